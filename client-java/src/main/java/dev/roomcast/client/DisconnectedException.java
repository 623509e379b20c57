package dev.roomcast.client;

/**
 * The connection ended (or the client was closed) after a request was written and before its reply
 * arrived, so whether the server handled it is unknown; {@link #disconnect()} says how it ended.
 */
public final class DisconnectedException extends RuntimeException {
    private final transient Disconnect disconnect;

    DisconnectedException(String message, Disconnect disconnect) {
        super(message + " (" + disconnect + ")");
        this.disconnect = disconnect;
    }

    /** How the connection ended. */
    public Disconnect disconnect() {
        return disconnect;
    }
}
