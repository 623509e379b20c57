package dev.roomcast.core;

/**
 * Handles one application event type with its payload bound to {@code T}. Runs on the connection's
 * virtual thread, in arrival order, so it may block (a database call stalls only this connection).
 * Throw {@link CloseConnection} to end the connection with a chosen code; any other exception
 * closes it with 1011 and is logged once.
 */
@FunctionalInterface
public interface EventHandler<T> {

    /** Handles one event. */
    void handle(EventContext context, T payload) throws Exception;
}
