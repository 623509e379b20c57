package dev.roomcast.client;

import dev.roomcast.core.Envelope;

/**
 * Handles one server event type with its payload bound to {@code T}. Runs on the client's WebSocket
 * callback thread, one event at a time in arrival order; the next frame is not read until it returns,
 * so a slow handler slows this client's reading (and, through TCP, the server's sending to it).
 */
@FunctionalInterface
public interface ClientEventHandler<T> {

    /** Handles one event; {@code envelope} carries its room, id and sender. */
    void handle(Envelope envelope, T payload) throws Exception;
}
