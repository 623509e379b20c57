package dev.roomcast.client;

/**
 * What {@link RoomcastClient} does with a new outgoing message when its outgoing buffer (messages not yet
 * written, while disconnected or while the socket is behind) already holds {@code outgoingBufferSize}.
 */
public enum OverflowPolicy {
    /** Refuse the new message: its stage fails at once with {@link OutgoingBufferFullException}. */
    FAIL_NEW,
    /** Make room by dropping the oldest waiting message, whose stage fails with {@link OutgoingBufferFullException}. */
    DROP_OLDEST
}
