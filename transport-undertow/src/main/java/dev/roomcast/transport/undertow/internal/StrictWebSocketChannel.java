package dev.roomcast.transport.undertow.internal;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.protocol.framed.FrameHeaderData;
import io.undertow.util.Headers;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketFrameCorruptedException;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.core.protocol.version13.WebSocket13Channel;
import io.undertow.websockets.extensions.CompositeExtensionFunction;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;

/**
 * Undertow's RFC 6455 server channel plus the two frame header checks Undertow leaves out, each of
 * which fails the connection with 1002 like Undertow's own header checks do:
 * <ul>
 *   <li>every client frame must be masked (§5.1): Undertow checks text, binary and continuation
 *       frames only, and took an unmasked ping, pong or close;</li>
 *   <li>a 64-bit payload length must have its most significant bit clear (§5.2): Undertow read such
 *       a length as a negative number and went on with the connection in an undefined state.</li>
 * </ul>
 * The checks look at the header's second and third bytes in the buffer Undertow parses them from, by
 * absolute index, before Undertow consumes them: no copy, no allocation, a few comparisons per
 * header. A header split across reads is followed with two fields. Runs on the channel's I/O thread
 * (inside Undertow's {@code receive()}), and never blocks.
 */
final class StrictWebSocketChannel extends WebSocket13Channel {
    private static final int MASK_BIT = 0x80;
    private static final int LENGTH_CODE_64_BIT = 127;

    // Owned by the I/O thread (Undertow parses a channel's frames under its receive() lock).
    /** Bytes of the current frame header that earlier reads already brought. */
    private int headerBytesSeen;
    /** The 7-bit length field of the current frame, known once its second byte was seen. */
    private int lengthCode;

    private StrictWebSocketChannel(StreamConnection channel, ByteBufferPool bufferPool, String wsUrl, String subprotocol,
                                   boolean allowExtensions, ExtensionFunction extensions,
                                   Set<WebSocketChannel> peerConnections, OptionMap options) {
        super(channel, bufferPool, wsUrl, subprotocol, false, allowExtensions, extensions, peerConnections, options);
    }

    /**
     * A version-13 handshake offering {@code subprotocols}, without extensions, whose channels are
     * {@code StrictWebSocketChannel}s; otherwise exactly Undertow's {@link Hybi13Handshake}.
     */
    static Hybi13Handshake handshake(Set<String> subprotocols) {
        return new Hybi13Handshake(subprotocols, false) {
            @Override
            public WebSocketChannel createChannel(WebSocketHttpExchange exchange, StreamConnection channel,
                                                  ByteBufferPool pool) {
                var extensions = initExtensions(exchange);
                return new StrictWebSocketChannel(channel, pool, getWebSocketLocation(exchange),
                        exchange.getResponseHeader(Headers.SEC_WEB_SOCKET_PROTOCOL_STRING), !extensions.isEmpty(),
                        CompositeExtensionFunction.compose(extensions),
                        exchange.getPeerConnections(), exchange.getOptions());
            }
        };
    }

    /** Checks the header bytes this read brings, then lets Undertow parse them. */
    @Override
    protected FrameHeaderData parseFrame(ByteBuffer data) throws IOException {
        int start = data.position();
        checkHeader(data, start);
        FrameHeaderData header = super.parseFrame(data);
        // Undertow consumes header bytes only, and returns the header once it is complete.
        headerBytesSeen = header == null ? headerBytesSeen + data.position() - start : 0;
        return header;
    }

    private void checkHeader(ByteBuffer data, int start) throws IOException {
        int seen = headerBytesSeen;
        if (seen <= 1) { // the second byte: MASK and the 7-bit length
            int at = start + 1 - seen;
            if (at >= data.limit()) {
                return;
            }
            int second = data.get(at);
            if ((second & MASK_BIT) == 0) {
                throw fail("frame not masked");
            }
            lengthCode = second & 0x7f;
        }
        if (lengthCode == LENGTH_CODE_64_BIT && seen <= 2) { // the third byte: the top of a 64-bit length
            int at = start + 2 - seen;
            if (at < data.limit() && (data.get(at) & 0x80) != 0) {
                throw fail("64-bit payload length with the most significant bit set");
            }
        }
    }

    /**
     * Fails the connection the way Undertow fails a corrupt frame: marking reads broken sends a 1002
     * close at once and shuts the read side; the exception then ends Undertow's receive, whose
     * listener closes the channel.
     */
    private IOException fail(String reason) {
        WebSocketFrameCorruptedException corrupt = new WebSocketFrameCorruptedException(reason);
        markReadsBroken(corrupt);
        return new IOException(corrupt);
    }
}
