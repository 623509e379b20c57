package dev.roomcast.core;

/**
 * What a connection's send does when its bounded send queue is full: the explicit backpressure
 * choice of a Roomcast service. Whichever is chosen, one slow member never delays the others.
 */
public enum SendBehavior {
    /** Wait up to {@code sendTimeout} for space (never on an I/O thread), then report a timeout for that member. */
    BLOCK,
    /** Drop the frame for that member only, and count the drop. */
    DROP,
    /** Close that member with 1013 (try again later), and count the close. */
    CLOSE
}
