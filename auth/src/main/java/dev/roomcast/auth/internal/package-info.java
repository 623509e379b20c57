/**
 * Implementation details of {@code dev.roomcast.auth}: the one token verification path shared by
 * every algorithm (nimbus-jose-jwt reads every token), the cache of verified tokens, claim checks, the
 * JWK set cache, room-name patterns and the failed-attempt
 * throttle. Nothing here is API. Classes in this package never refer to the public package, so the
 * dependency between the two runs one way only.
 */
package dev.roomcast.auth.internal;
