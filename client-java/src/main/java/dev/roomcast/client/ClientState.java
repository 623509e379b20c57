package dev.roomcast.client;

/**
 * Where a {@link RoomcastClient} is in its life.
 *
 * <p>States: {@code CONNECTING} (the first attempt) → {@code OPEN} → on a lost connection that may be
 * retried {@code RECONNECTING} (waiting out the backoff, then trying again) → {@code OPEN} again; on a
 * terminal close, a terminal upgrade refusal or {@link RoomcastClient#close()} → {@code CLOSED}, which is final.
 */
public enum ClientState {
    /** The first connection attempt is under way. */
    CONNECTING,
    /** Connected; requests are written as they come. */
    OPEN,
    /** The connection was lost; the client waits out its backoff (or the server's hint), then reconnects. */
    RECONNECTING,
    /** Closed for good: by the application, or by a close code or refusal that reconnecting would not fix. */
    CLOSED
}
