package dev.roomcast.client;

/**
 * The outgoing buffer was full, so this message was never sent: it was refused
 * ({@link OverflowPolicy#FAIL_NEW}) or dropped to make room for a newer one ({@link OverflowPolicy#DROP_OLDEST}).
 */
public final class OutgoingBufferFullException extends RuntimeException {
    OutgoingBufferFullException(String message) {
        super(message);
    }
}
