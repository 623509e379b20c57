package dev.roomcast.core;

/**
 * Thrown by a handler to end its connection with a chosen close code and a client-safe reason.
 * Not an error: it is not logged as a failure.
 */
public final class CloseConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient CloseReason closeReason;

    public CloseConnection(CloseCode code, String reason) {
        super(reason, null, false, false);
        this.closeReason = CloseReason.of(code, reason);
    }

    /** The close code and reason to send. */
    public CloseReason closeReason() {
        return closeReason;
    }
}
