package dev.roomcast.bench.client;

/** What a scenario does with a connection's events; every call runs on the connection's loop thread. */
public interface WsHandler {
    /** The server answered 101; the connection may send. */
    void onOpen(WsConnection c);

    /**
     * One text message: a whole frame, or one newline-separated part of a frame of the
     * {@code roomcast.batch.v1} subprotocol. The bytes are only valid during the call.
     */
    void onMessage(WsConnection c, byte[] bytes, int offset, int length);

    /**
     * The connection ended, exactly once per connection.
     *
     * @param httpStatus the refusal status when the upgrade was refused, else 0
     * @param clean      whether it ended by a close handshake or by our own {@link WsConnection#abort}
     */
    void onClosed(WsConnection c, String why, int httpStatus, boolean clean);
}
