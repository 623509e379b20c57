/**
 * Authentication and authorization for Roomcast: signed-token authenticators (HS256, RS256, ES256
 * and a rotating JWKS key set), room authorizers (hashed per-room passwords, claim/role ACLs and
 * their composition) and the admin broadcast authorizer, with a Dagger module for each published
 * binding.
 *
 * <h2>Rejection reasons</h2>
 * Every token authenticator here answers a bad token with {@code AuthResult.rejected(reason)}, where
 * {@code reason} is one of these fixed words (never text from the token): {@code malformed},
 * {@code alg_not_allowed}, {@code bad_signature}, {@code unknown_key}, {@code expired},
 * {@code not_yet_valid}, {@code wrong_issuer}, {@code wrong_audience}, {@code missing_subject},
 * {@code bad_claim}. The transport maps every one of them to {@code 401 INVALID_TOKEN}; the word is
 * for logs and metric labels. Nothing in this package logs or echoes a token, password or secret.
 */
package dev.roomcast.auth;
