package dev.roomcast.bench.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal non-blocking RFC 6455 client connection, driven by its {@link NioLoop}: connect from a
 * given loopback source address, upgrade (bearer token, subprotocol, {@code ?room=}), then read
 * frames, answer pings and closes, and send masked text frames. Not thread-safe: every method runs
 * on the loop thread.
 *
 * <p>States: connecting → upgrading → open → closing → closed.
 */
public final class WsConnection {
    private enum State { CONNECTING, UPGRADING, OPEN, CLOSING, CLOSED }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final NioLoop loop;
    private final WsHandler handler;
    private final String requestTarget;
    private final String token;
    private final String subprotocol;
    private final InetSocketAddress server;
    private SocketChannel channel;
    private SelectionKey key;
    private State state = State.CONNECTING;
    private String expectedAccept;

    /** Bytes read but not yet parsed (a partial frame or header), carried to the next read. */
    private byte[] pending;
    private int pendingLength;
    /** A fragmented text message being reassembled. */
    private byte[] fragments;
    private int fragmentsLength;
    private boolean inFragmentedText;
    private ByteBuffer out = ByteBuffer.allocate(256);

    /** When connect() was called and when the 101 arrived, in System.nanoTime(). */
    private long connectStartNanos;
    private long openNanos;
    /** Text messages received (whole frames, or reassembled fragments); loop thread only. */
    private long textMessages;
    /** The scenario's state for this connection. */
    public Object attachment;

    /**
     * @param path      request path and query, e.g. {@code /ws?room=r}
     * @param token     bearer token, or null for none
     * @param subprotocol offered subprotocol, or null
     */
    public WsConnection(NioLoop loop, WsHandler handler, InetSocketAddress server, String path, String token, String subprotocol) {
        this.loop = loop;
        this.handler = handler;
        this.server = server;
        this.requestTarget = path;
        this.token = token;
        this.subprotocol = subprotocol;
    }

    public NioLoop loop() {
        return loop;
    }

    public long connectStartNanos() {
        return connectStartNanos;
    }

    /**
     * WebSocket text messages received so far, each possibly carrying several newline-joined
     * messages under {@code roomcast.batch.v1}; read on the loop thread.
     */
    public long textMessages() {
        return textMessages;
    }

    public long openNanos() {
        return openNanos;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Opens the TCP connection from {@code source} (port chosen by the kernel). Loop thread only. */
    public void connect(InetAddress source) {
        connectStartNanos = System.nanoTime();
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.bind(new InetSocketAddress(source, 0));
            boolean connected = channel.connect(server);
            key = channel.register(loop.selector(), connected ? 0 : SelectionKey.OP_CONNECT, this);
            if (connected) {
                sendUpgrade();
            }
        } catch (IOException e) {
            fail("connect failed: " + e.getMessage(), 0);
        }
    }

    void onReady(SelectionKey k) {
        try {
            if (!k.isValid()) {
                return;
            }
            if (k.isConnectable()) {
                channel.finishConnect();
                sendUpgrade();
                return;
            }
            if (k.isWritable()) {
                flush();
            }
            if (k.isValid() && k.isReadable()) {
                read();
            }
        } catch (IOException e) {
            fail("i/o: " + e.getMessage(), 0);
        }
    }

    private void sendUpgrade() throws IOException {
        state = State.UPGRADING;
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String wsKey = Base64.getEncoder().encodeToString(nonce);
        expectedAccept = accept(wsKey);
        StringBuilder req = new StringBuilder(512)
                .append("GET ").append(requestTarget).append(" HTTP/1.1\r\n")
                .append("Host: ").append(server.getAddress().getHostAddress()).append(':').append(server.getPort()).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(wsKey).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        if (subprotocol != null) {
            req.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
        }
        if (token != null) {
            req.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        req.append("\r\n");
        enqueue(req.toString().getBytes(StandardCharsets.US_ASCII));
        flush();
    }

    private static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- reading -------------------------------------------------------------------------------

    private void read() throws IOException {
        byte[] buf = loop.readBytes;
        ByteBuffer bb = loop.readBuffer;
        int filled = 0;
        if (pendingLength > 0) {
            System.arraycopy(pending, 0, buf, 0, pendingLength);
            filled = pendingLength;
            pendingLength = 0;
        }
        bb.clear().position(filled);
        int n = channel.read(bb);
        if (n < 0) {
            ended(state == State.CLOSING ? "closed" : "server closed the connection", state == State.CLOSING);
            return;
        }
        filled += n;
        int consumed = 0;
        if (state == State.UPGRADING) {
            int end = indexOf(buf, filled, HEADER_END);
            if (end < 0) {
                if (filled > MAX_HEADER_BYTES) {
                    fail("upgrade response headers too long", 0);
                } else {
                    keep(buf, 0, filled);
                }
                return;
            }
            if (!upgradeAccepted(new String(buf, 0, end, StandardCharsets.ISO_8859_1))) {
                return;
            }
            consumed = end + HEADER_END.length;
        }
        consumed = parseFrames(buf, consumed, filled);
        if (state != State.CLOSED && consumed < filled) {
            keep(buf, consumed, filled - consumed);
        }
    }

    private void keep(byte[] buf, int from, int length) {
        if (pending == null || pending.length < length) {
            pending = new byte[Math.max(length, 512)];
        }
        System.arraycopy(buf, from, pending, 0, length);
        pendingLength = length;
    }

    private boolean upgradeAccepted(String head) {
        int sp = head.indexOf(' ');
        int status = sp < 0 ? -1 : parseStatus(head, sp + 1);
        if (status != 101) {
            fail("upgrade refused with HTTP " + status, status);
            return false;
        }
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("\r\nsec-websocket-accept:");
        if (at < 0) {
            fail("101 without Sec-WebSocket-Accept", 0);
            return false;
        }
        int valueStart = at + "\r\nsec-websocket-accept:".length();
        int lineEnd = head.indexOf("\r\n", valueStart);
        String value = head.substring(valueStart, lineEnd < 0 ? head.length() : lineEnd).trim();
        if (!value.equals(expectedAccept)) {
            fail("wrong Sec-WebSocket-Accept: got [" + value + "] expected [" + expectedAccept + "]", 0);
            return false;
        }
        state = State.OPEN;
        openNanos = System.nanoTime();
        handler.onOpen(this);
        return state == State.OPEN || state == State.CLOSING;
    }

    private static int parseStatus(String head, int from) {
        int v = 0;
        for (int i = from; i < from + 3 && i < head.length(); i++) {
            char c = head.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Parses whole frames in {@code buf[from, to)}; returns where the first incomplete frame starts. */
    private int parseFrames(byte[] buf, int from, int to) throws IOException {
        int p = from;
        while (to - p >= 2 && state != State.CLOSED) {
            int b0 = buf[p] & 0xFF;
            int b1 = buf[p + 1] & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            boolean masked = (b1 & 0x80) != 0;
            long len = b1 & 0x7F;
            int header = 2;
            if (len == 126) {
                if (to - p < 4) {
                    break;
                }
                len = ((buf[p + 2] & 0xFF) << 8) | (buf[p + 3] & 0xFF);
                header = 4;
            } else if (len == 127) {
                if (to - p < 10) {
                    break;
                }
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | (buf[p + 2 + i] & 0xFF);
                }
                header = 10;
            }
            int maskAt = p + header;
            if (masked) {
                header += 4;
            }
            if (len > NioLoop.READ_BUFFER_BYTES - 16) {
                fail("frame of " + len + " bytes is larger than the client accepts", 0);
                return to;
            }
            if (to - p < header + len) {
                break;
            }
            int start = p + header;
            int length = (int) len;
            if (masked) { // servers must not mask, but be lenient
                for (int i = 0; i < length; i++) {
                    buf[start + i] ^= buf[maskAt + (i & 3)];
                }
            }
            onFrame(fin, opcode, buf, start, length);
            p = start + length;
        }
        return p;
    }

    private void onFrame(boolean fin, int opcode, byte[] buf, int start, int length) throws IOException {
        switch (opcode) {
            case 0x1 -> {
                if (fin) {
                    deliverText(buf, start, length);
                } else {
                    inFragmentedText = true;
                    fragmentsLength = 0;
                    appendFragment(buf, start, length);
                }
            }
            case 0x0 -> {
                if (inFragmentedText) {
                    appendFragment(buf, start, length);
                    if (fin) {
                        inFragmentedText = false;
                        deliverText(fragments, 0, fragmentsLength);
                    }
                }
            }
            case 0x8 -> {
                if (state == State.OPEN) {
                    sendFrame(0x8, buf, start, Math.min(length, 2)); // echo the code
                }
                ended(state == State.CLOSING ? "closed" : "closed by server", true);
            }
            case 0x9 -> sendFrame(0xA, buf, start, length);
            default -> {
                // binary and pong: ignored
            }
        }
    }

    private void appendFragment(byte[] buf, int start, int length) {
        if (fragments == null || fragments.length < fragmentsLength + length) {
            fragments = java.util.Arrays.copyOf(fragments == null ? new byte[0] : fragments, Math.max(fragmentsLength + length, 1024));
        }
        System.arraycopy(buf, start, fragments, fragmentsLength, length);
        fragmentsLength += length;
    }

    private void deliverText(byte[] buf, int start, int length) {
        textMessages++;
        int end = start + length;
        int partStart = start;
        for (int i = start; i < end && state != State.CLOSED; i++) {
            if (buf[i] == '\n') {
                handler.onMessage(this, buf, partStart, i - partStart);
                partStart = i + 1;
            }
        }
        if (state != State.CLOSED && partStart < end) {
            handler.onMessage(this, buf, partStart, end - partStart);
        }
    }

    // ---- writing -------------------------------------------------------------------------------

    /** Sends one masked text frame. Loop thread only; ignored unless open. */
    public void sendText(byte[] payload, int offset, int length) {
        if (state != State.OPEN) {
            return;
        }
        try {
            sendFrame(0x1, payload, offset, length);
        } catch (IOException e) {
            fail("write failed: " + e.getMessage(), 0);
        }
    }

    /** Starts the close handshake (code 1000); the connection ends when the server answers or in 2 s. */
    public void close() {
        if (state != State.OPEN) {
            if (state == State.CONNECTING || state == State.UPGRADING) {
                abort("closed before open");
            }
            return;
        }
        try {
            byte[] code = {0x03, (byte) 0xE8};
            sendFrame(0x8, code, 0, 2);
            state = State.CLOSING;
            loop.schedule(2_000_000_000L, () -> {
                if (state == State.CLOSING) {
                    ended("close not answered within 2 s", false);
                }
            });
        } catch (IOException e) {
            fail("write failed: " + e.getMessage(), 0);
        }
    }

    /** Cuts the TCP connection at once (RST, no TIME_WAIT); counts as clean. Loop thread only. */
    public void abort(String why) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            if (channel != null && channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        ended(why, true);
    }

    private void sendFrame(int opcode, byte[] payload, int offset, int length) throws IOException {
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        ensureOut(header + 4 + length);
        out.put((byte) (0x80 | opcode));
        if (length < 126) {
            out.put((byte) (0x80 | length));
        } else if (length < 65536) {
            out.put((byte) (0x80 | 126)).putShort((short) length);
        } else {
            out.put((byte) (0x80 | 127)).putLong(length);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        out.putInt(mask);
        byte m0 = (byte) (mask >>> 24);
        byte m1 = (byte) (mask >>> 16);
        byte m2 = (byte) (mask >>> 8);
        byte m3 = (byte) mask;
        for (int i = 0; i < length; i++) {
            byte m = switch (i & 3) {
                case 0 -> m0;
                case 1 -> m1;
                case 2 -> m2;
                default -> m3;
            };
            out.put((byte) (payload[offset + i] ^ m));
        }
        flush();
    }

    private void enqueue(byte[] bytes) {
        ensureOut(bytes.length);
        out.put(bytes);
    }

    private void ensureOut(int more) {
        if (out.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + more));
            out.flip();
            bigger.put(out);
            out = bigger;
        }
    }

    private void flush() throws IOException {
        out.flip();
        channel.write(out);
        out.compact();
        if (key.isValid()) {
            int ops = out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
    }

    /** Bytes written by the scenario but not yet accepted by the socket. */
    public int unsentBytes() {
        return out.position();
    }

    // ---- ending --------------------------------------------------------------------------------

    private void fail(String why, int httpStatus) {
        end(why, httpStatus, false);
    }

    private void ended(String why, boolean clean) {
        end(why, 0, clean);
    }

    private void end(String why, int httpStatus, boolean clean) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        try {
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // already closing
        }
        pending = null;
        fragments = null;
        handler.onClosed(this, why, httpStatus, clean);
    }

    private static int indexOf(byte[] buf, int limit, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= limit; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
