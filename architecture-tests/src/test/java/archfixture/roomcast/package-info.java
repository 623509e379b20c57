/**
 * A deliberately broken miniature of Roomcast's package layout: each class breaks one or more
 * module rules, so the architecture test can prove that every rule reports a violation.
 */
package archfixture.roomcast;
