package dev.roomcast.core;

/**
 * Port: decides whether a request to the admin broadcast endpoint may broadcast. It sees the bearer
 * credential of the request ({@code Authorization: Bearer …}); implementations compare secrets in
 * constant time. Thread-safe.
 */
@FunctionalInterface
public interface BroadcastAuthorizer {

    /** Whether {@code bearerCredential} may broadcast. */
    boolean mayBroadcast(String bearerCredential);
}
