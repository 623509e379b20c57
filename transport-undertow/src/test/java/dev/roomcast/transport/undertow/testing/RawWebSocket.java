package dev.roomcast.transport.undertow.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately minimal RFC 6455 client over a plain socket, for what well-behaved clients cannot
 * do: send any handshake headers, invalid UTF-8, fragments, floods, never answer pings, or stop
 * reading. Every read waits at most 5 s.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int OP_CONTINUATION = 0x0;
    public static final int OP_TEXT = 0x1;
    public static final int OP_BINARY = 0x2;
    public static final int OP_CLOSE = 0x8;
    public static final int OP_PING = 0x9;
    public static final int OP_PONG = 0xA;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** The server's answer to the handshake. */
    public record Response(int status, Map<String, String> headers, String body) {
        /** A header value, case-insensitive, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One frame read from the server. */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame, or -1. */
        public int closeCode() {
            return opcode == OP_CLOSE && payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        /** The reason of a close frame (the UTF-8 text after its code), or "" when it has none. */
        public String closeReason() {
            return opcode == OP_CLOSE && payload.length > 2
                    ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        // Buffered: the handshake is read a line at a time, which must not cost a system call per byte.
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** Opens a TCP connection to the server (5 s read timeout). */
    public static RawWebSocket open(int port) throws IOException {
        return open(port, 0);
    }

    /**
     * Opens a TCP connection whose receive buffer is shrunk to {@code receiveBufferBytes} before
     * connecting (so the TCP window is small from the start); 0 keeps the system default. A client
     * that then stops reading is a slow consumer the server cannot write to for long.
     */
    public static RawWebSocket open(int port, int receiveBufferBytes) throws IOException {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(5_000);
        s.setTcpNoDelay(true);
        return new RawWebSocket(s);
    }

    /** A fresh valid {@code Sec-WebSocket-Key}. */
    public static String newKey() {
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** The standard upgrade headers, to which a test adds or from which it removes. */
    public static Map<String, String> upgradeHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "127.0.0.1");
        h.put("Upgrade", "websocket");
        h.put("Connection", "Upgrade");
        h.put("Sec-WebSocket-Key", newKey());
        h.put("Sec-WebSocket-Version", "13");
        return h;
    }

    /** Sends a request line and headers (no body) and reads the response head and body. */
    public Response request(String method, String target, Map<String, String> headers) throws IOException {
        return request(method, target, headers, new byte[0]);
    }

    /** Sends a request with a body and reads the response. */
    public Response request(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body.length > 0) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        return readResponse();
    }

    /** Performs a valid upgrade with extra headers; returns the response (101 on success). */
    public Response upgrade(String target, Map<String, String> extraHeaders) throws IOException {
        Map<String, String> h = upgradeHeaders();
        h.putAll(extraHeaders);
        return request("GET", target, h);
    }

    private Response readResponse() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String body = "";
        String length = headers.get("content-length");
        if (code != 101 && length != null) {
            byte[] b = new byte[Integer.parseInt(length)];
            in.readFully(b);
            body = new String(b, StandardCharsets.UTF_8);
        }
        return new Response(code, headers, body);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Opens a connection and upgrades it with a bearer token for {@code subject} (or no token when
     * {@code subject} is null); fails unless the server answers 101.
     */
    public static RawWebSocket connect(int port, String target, String subject) throws IOException {
        RawWebSocket ws = open(port);
        Map<String, String> extra = subject == null ? Map.of() : FakeTokens.bearer(subject);
        Response r = ws.upgrade(target, extra);
        if (r.status() != 101) {
            ws.close();
            throw new AssertionError("expected 101 but was " + r.status() + " " + r.body());
        }
        return ws;
    }

    /** Sends one masked frame. */
    public void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
        sendBytes(frame(opcode, fin, 0, true, payload));
    }

    /**
     * Sends one frame with every header field chosen, including what a conforming client never
     * sends: {@code rsv} sets the three reserved bits (0-7, RSV1 being 4), {@code masked} false sends
     * no masking key.
     */
    public void sendFrame(int opcode, boolean fin, int rsv, boolean masked, byte[] payload) throws IOException {
        sendBytes(frame(opcode, fin, rsv, masked, payload));
    }

    /**
     * The bytes of one frame, length in its shortest encoding, masked with a fresh random key when
     * {@code masked}; for tests that split a frame across writes or join several into one.
     */
    public static byte[] frame(int opcode, boolean fin, int rsv, boolean masked, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode & 0x0f);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length <= 0xFFFF) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(maskBit | 127);
            long len = payload.length;
            for (int i = 7; i >= 0; i--) {
                f.write((int) (len >>> (8 * i)) & 0xff);
            }
        }
        if (!masked) {
            f.writeBytes(payload);
            return f.toByteArray();
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    /** Writes {@code bytes} as they are, in one write. */
    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends the start of one masked frame that announces {@code declaredLength} payload bytes but
     * carries only {@code firstBytes} (the rest never comes): a peer must enforce its limits as the
     * bytes arrive, not wait for the announced whole.
     */
    public void sendFrameStart(int opcode, long declaredLength, byte[] firstBytes) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(firstBytes.length + 14);
        f.write(0x80 | opcode);
        f.write(0x80 | 127);
        for (int i = 7; i >= 0; i--) {
            f.write((int) (declaredLength >>> (8 * i)) & 0xff);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.write(mask);
        for (int i = 0; i < firstBytes.length; i++) {
            f.write(firstBytes[i] ^ mask[i & 3]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /** Sends a whole text message in one frame. */
    public void sendText(String text) throws IOException {
        sendFrame(OP_TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a close frame with {@code code} and no reason. */
    public void sendClose(int code) throws IOException {
        sendFrame(OP_CLOSE, true, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /**
     * Reads (and discards) frames until the server's close frame and returns its code; fails when
     * the connection ends without one, or after 5 s of silence. Bounded to 100,000 frames.
     */
    public int awaitCloseCode() throws IOException {
        for (int i = 0; i < 100_000; i++) {
            Frame f;
            try {
                f = readFrame();
            } catch (EOFException e) {
                throw new AssertionError("expected a close frame but the connection ended without one", e);
            }
            if (f.opcode() == OP_CLOSE) {
                return f.closeCode();
            }
        }
        throw new AssertionError("expected a close frame within 100,000 frames");
    }

    /** Reads the next frame; throws {@link SocketTimeoutException} after 5 s. */
    public Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
    }

    /** Reads frames until one with {@code opcode}; returns it. Bounded by the socket timeout and 10,000 frames. */
    public Frame readUntil(int opcode) throws IOException {
        for (int i = 0; i < 10_000; i++) {
            Frame f = readFrame();
            if (f.opcode() == opcode) {
                return f;
            }
        }
        throw new IOException("no frame with opcode " + opcode + " in 10,000 frames");
    }

    /**
     * Whether the server has closed the TCP connection: discards whatever is still buffered (up to
     * 64 MB) until EOF; false when 5 s pass without any byte or EOF.
     */
    public boolean awaitEof() throws IOException {
        byte[] sink = new byte[64 * 1024];
        try {
            for (int i = 0; i < 1024; i++) {
                if (in.read(sink) == -1) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer counts as closed
        }
    }

    /** The socket, e.g. to shrink its receive buffer before connecting elsewhere. */
    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
