package dev.roomcast.client;

import java.util.Optional;

/**
 * Hears every state change of a {@link RoomcastClient}. Called on the thread that saw the change (a
 * WebSocket callback thread or the client's scheduler), one change at a time per cause; keep it short.
 */
@FunctionalInterface
public interface StateListener {

    /**
     * The client moved to {@code state}; {@code cause} says why when a connection ended or was refused
     * ({@code RECONNECTING}, {@code CLOSED}), and is empty for {@code CONNECTING} and {@code OPEN}.
     */
    void onStateChanged(ClientState state, Optional<Disconnect> cause);

    /** A listener that ignores everything. */
    static StateListener none() {
        return (state, cause) -> { };
    }
}
