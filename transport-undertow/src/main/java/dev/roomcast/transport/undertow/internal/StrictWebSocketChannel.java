package dev.roomcast.transport.undertow.internal;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.protocol.framed.AbstractFramedStreamSourceChannel;
import io.undertow.server.protocol.framed.FrameHeaderData;
import io.undertow.util.Headers;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketException;
import io.undertow.websockets.core.WebSocketFrame;
import io.undertow.websockets.core.WebSocketFrameCorruptedException;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.core.WebSocketInvalidCloseCodeException;
import io.undertow.websockets.core.protocol.version07.UTF8Checker;
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
 * which fails the connection with 1002 like Undertow's own header checks do, and the close codes
 * Undertow wrongly refuses:
 * <ul>
 *   <li>every client frame must be masked (§5.1): Undertow checks text, binary and continuation
 *       frames only, and took an unmasked ping, pong or close;</li>
 *   <li>a 64-bit payload length must have its most significant bit clear (§5.2): Undertow read such
 *       a length as a negative number and went on with the connection in an undefined state;</li>
 *   <li>a client's close may carry 1012, 1013 or 1014 (registered with IANA under §11.7: Service
 *       Restart, Try Again Later, Bad Gateway): Undertow's close frame validator refuses all of
 *       1012-2999 with 1002. A close frame gets a source channel of ours instead
 *       ({@link CloseFrameSource}), whose code check is Undertow's except for those three codes
 *       ({@link #isValidOnTheWire}).</li>
 * </ul>
 * The header checks look at the header's bytes in the buffer Undertow parses them from, by absolute
 * index, before Undertow consumes them: no copy, no allocation, a few comparisons per header. A header
 * split across reads is followed with a few fields; a close frame's masking key is gathered the same
 * way, since Undertow keeps its own to itself. Runs on the channel's I/O thread (inside Undertow's
 * {@code receive()}), and never blocks.
 */
final class StrictWebSocketChannel extends WebSocket13Channel {
    private static final int MASK_BIT = 0x80;
    private static final int LENGTH_CODE_16_BIT = 126;
    private static final int LENGTH_CODE_64_BIT = 127;
    private static final int OPCODE_CLOSE = 0x8;
    /** Where a masked frame's key starts when its length fits the 7-bit field (always, for a control frame). */
    private static final int MASK_OFFSET_7_BIT_LENGTH = 2;
    private static final int MASK_BYTES = 4;

    // Owned by the I/O thread (Undertow parses a channel's frames under its receive() lock).
    /** Bytes of the current frame header that earlier reads already brought. */
    private int headerBytesSeen;
    /** The 7-bit length field of the current frame, known once its second byte was seen. */
    private int lengthCode;
    /** The first byte of the current frame (FIN, RSV and opcode), known once it was seen. */
    private int firstByte;
    /** The current close frame's masking key, filled as its header bytes arrive. */
    private final byte[] closeMask = new byte[MASK_BYTES];

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

    /**
     * Whether a close frame from the peer may carry {@code code} (RFC 6455 §7.4): 1000-1003 and
     * 1007-1011 from the RFC, 1012-1014 from the IANA registry, and 3000-4999 for libraries and
     * applications. 1004 is reserved; 1005, 1006 and 1015 must never be sent; the rest of 0-2999 is
     * unassigned or unused, and nothing above 4999 is defined.
     */
    static boolean isValidOnTheWire(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /** Checks the header bytes this read brings, then lets Undertow parse them. */
    @Override
    protected FrameHeaderData parseFrame(ByteBuffer data) throws IOException {
        int start = data.position();
        checkHeader(data, start);
        FrameHeaderData header = super.parseFrame(data);
        // Undertow consumes header bytes only, and returns the header once it is complete.
        headerBytesSeen = header == null ? headerBytesSeen + data.position() - start : 0;
        if (header != null && (firstByte & 0x0f) == OPCODE_CLOSE) {
            // Undertow validated the header (final, no RSV, at most 125 bytes, at least 2 if any), so
            // the masking key sat right after the 7-bit length.
            return new CloseFrame((WebSocketFrame) header, firstByte >> 4 & 0x7, closeMask.clone());
        }
        return header;
    }

    private void checkHeader(ByteBuffer data, int start) throws IOException {
        int seen = headerBytesSeen;
        if (seen == 0) { // the first byte: FIN, RSV and the opcode
            if (start >= data.limit()) {
                return;
            }
            firstByte = data.get(start) & 0xff;
        }
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
        if ((firstByte & 0x0f) == OPCODE_CLOSE && lengthCode < LENGTH_CODE_16_BIT) {
            int end = Math.min(MASK_OFFSET_7_BIT_LENGTH + MASK_BYTES, seen + data.limit() - start);
            for (int i = Math.max(seen, MASK_OFFSET_7_BIT_LENGTH); i < end; i++) {
                closeMask[i - MASK_OFFSET_7_BIT_LENGTH] = data.get(start + i - seen);
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

    /**
     * Undertow's complete header of a close frame, whose channel is a {@link CloseFrameSource}.
     * Undertow's {@code createChannel} still takes the channel from here, so it still records that a
     * close frame was received and who started the close.
     */
    private final class CloseFrame implements WebSocketFrame {
        private final WebSocketFrame header;
        private final int rsv;
        private final byte[] mask;

        CloseFrame(WebSocketFrame header, int rsv, byte[] mask) {
            this.header = header;
            this.rsv = rsv;
            this.mask = mask;
        }

        @Override
        public StreamSourceFrameChannel getChannel(PooledByteBuffer data) {
            var source = new CloseFrameSource(StrictWebSocketChannel.this, rsv, mask, data, header.getFrameLength());
            if (header.isFinalFragment()) {
                source.finalFrame();
            }
            return source;
        }

        @Override
        public void handle(ByteBuffer data) throws WebSocketException {
            header.handle(data);
        }

        @Override
        public boolean isDone() {
            return header.isDone();
        }

        @Override
        public long getFrameLength() {
            return header.getFrameLength();
        }

        @Override
        public AbstractFramedStreamSourceChannel<?, ?, ?> getExistingChannel() {
            return header.getExistingChannel();
        }

        @Override
        public boolean isFinalFragment() {
            return header.isFinalFragment();
        }
    }

    /**
     * A close frame's payload, as Undertow's close frame channel reads it: unmasked as it arrives
     * (what Undertow's {@code Masker}, whose constructor is package-private, does), then the code
     * checked by {@link CloseCodeChecker} and the reason checked for UTF-8 as it is read.
     */
    private static final class CloseFrameSource extends StreamSourceFrameChannel {
        private final byte[] mask;
        // Owned by the I/O thread, like the rest of the frame's reads.
        /** Payload bytes unmasked so far; picks the key byte for the next one. */
        private int unmasked;

        CloseFrameSource(StrictWebSocketChannel channel, int rsv, byte[] mask, PooledByteBuffer data, long length) {
            super(channel, WebSocketFrameType.CLOSE, rsv, true, data, length, null, new CloseCodeChecker(channel));
            this.mask = mask;
        }

        @Override
        protected PooledByteBuffer processFrameData(PooledByteBuffer frameData, boolean lastFragmentOfFrame)
                throws IOException {
            ByteBuffer buffer = frameData.getBuffer();
            for (int i = buffer.position(); i < buffer.limit(); i++) {
                buffer.put(i, (byte) (buffer.get(i) ^ mask[unmasked++ & (MASK_BYTES - 1)]));
            }
            return super.processFrameData(frameData, lastFragmentOfFrame);
        }
    }

    /**
     * Undertow's close frame validator with {@link #isValidOnTheWire} as its rule: takes the code from
     * the first two payload bytes and fails the connection with 1002 if a peer may not send it, then
     * checks the reason is UTF-8 (1007 otherwise, by {@link UTF8Checker}).
     */
    private static final class CloseCodeChecker extends UTF8Checker {
        private final StrictWebSocketChannel channel;
        // Owned by the I/O thread.
        private int codeBytesRead;
        private int code;

        CloseCodeChecker(StrictWebSocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void afterRead(ByteBuffer buffer, int position, int length) throws IOException {
            int i = 0;
            for (; codeBytesRead < 2 && i < length; i++, codeBytesRead++) {
                code = code << 8 | buffer.get(position + i) & 0xff;
            }
            if (codeBytesRead == 2 && i > 0 && !isValidOnTheWire(code)) {
                // the message is the close reason the peer gets: a number and our rule, nothing else
                var invalid = new WebSocketInvalidCloseCodeException(
                        "expected a close code of 1000-1003, 1007-1014 or 3000-4999 but was " + code);
                channel.markReadsBroken(invalid);
                throw invalid;
            }
            super.afterRead(buffer, position + i, length - i);
        }
    }
}
