package dev.roomcast.core;

/** What happened to one frame offered to one connection's send queue. */
public enum SendResult {
    /** Queued for the connection's writer. */
    ENQUEUED,
    /** The queue was full under {@link SendBehavior#DROP}; the frame was dropped for this member. */
    DROPPED,
    /** The queue stayed full for {@code sendTimeout} under {@link SendBehavior#BLOCK}. */
    TIMED_OUT,
    /** The queue was full under {@link SendBehavior#CLOSE}; the member is being closed with 1013. */
    CLOSED_SLOW,
    /** The connection is closing or closed; nothing was queued. */
    NOT_OPEN
}
