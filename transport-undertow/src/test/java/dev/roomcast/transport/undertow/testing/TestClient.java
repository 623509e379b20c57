package dev.roomcast.transport.undertow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket client for tests, on the JDK's {@code java.net.http.WebSocket}: it records every
 * text message (split on newlines, so batched frames read as separate envelopes) and the close, and
 * offers bounded waits in the style of {@code assertPushed}. Every wait is at most 5 s.
 */
public final class TestClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final BlockingQueue<JsonNode> messages;
    private final BlockingQueue<String> rawFrames;
    private final CompletableFuture<Integer> closeCode;
    private final String subprotocol;
    private final AtomicInteger pings;

    private TestClient(WebSocket socket, BlockingQueue<JsonNode> messages, BlockingQueue<String> rawFrames,
                       CompletableFuture<Integer> closeCode, AtomicInteger pings) {
        this.socket = socket;
        this.messages = messages;
        this.rawFrames = rawFrames;
        this.closeCode = closeCode;
        this.pings = pings;
        this.subprotocol = socket.getSubprotocol();
    }

    /** Connects with the given headers (e.g. Authorization) and subprotocols; fails the test if refused. */
    public static TestClient connect(HttpClient http, URI uri, Map<String, String> headers, String... subprotocols) {
        BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        BlockingQueue<String> raw = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        AtomicInteger pings = new AtomicInteger();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(builder::header);
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        WebSocket ws = builder.buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    String frame = partial.toString();
                    partial.setLength(0);
                    raw.add(frame);
                    for (String line : frame.split("\n")) {
                        try {
                            messages.add(JSON.readTree(line));
                        } catch (Exception e) {
                            messages.add(JSON.createObjectNode().put("type", "<unparseable>").put("text", line));
                        }
                    }
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
                pings.incrementAndGet(); // the JDK answers with a pong by itself
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.complete(1006);
            }
        }).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return new TestClient(ws, messages, raw, closed, pings);
    }

    /** Sends one text message and waits until it is handed to the socket. */
    public TestClient send(String text) {
        socket.sendText(text, true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return this;
    }

    /** Sends a JSON envelope built from alternating key/value pairs of strings, e.g. {@code "type","join","room","a"}. */
    public TestClient sendJson(Object envelope) {
        try {
            return send(JSON.writeValueAsString(envelope));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The next message, whatever its type; fails after 5 s. */
    public JsonNode next() {
        try {
            JsonNode m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("a message within %s", WAIT).isNotNull();
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next message, or null if none arrives within {@code wait}. */
    public JsonNode nextWithin(Duration wait) {
        try {
            return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Skips messages until one of {@code type} arrives (e.g. presence noise); fails after 5 s. */
    public JsonNode awaitType(String type) {
        long end = System.nanoTime() + WAIT.toNanos();
        List<String> skipped = new ArrayList<>();
        while (System.nanoTime() < end) {
            try {
                JsonNode m = messages.poll(Math.max(1, (end - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                if (m == null) {
                    break;
                }
                if (type.equals(m.path("type").asText())) {
                    return m;
                }
                skipped.add(m.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("expected a '" + type + "' message within " + WAIT + " but got only " + skipped);
    }

    /** Asserts nothing more arrives within {@code quiet}. */
    public void assertNoMoreMessages(Duration quiet) {
        try {
            JsonNode m = messages.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("no further message").isNull();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Messages received and not yet taken. */
    public List<JsonNode> drainMessages() {
        List<JsonNode> out = new ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    /** Raw text frames received so far (each may hold several envelopes in batch mode). */
    public BlockingQueue<String> rawFrames() {
        return rawFrames;
    }

    /** Waits for the server's close and returns its code; fails after 5 s. */
    public int awaitClose() {
        return closeCode.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Pings received from the server so far (each answered by the JDK client with a pong). */
    public int pingsReceived() {
        return pings.get();
    }

    /** Whether the server closed the connection. */
    public boolean isClosed() {
        return closeCode.isDone();
    }

    /** The subprotocol the server chose ("" for none). */
    public String subprotocol() {
        return subprotocol;
    }

    /** The underlying JDK socket. */
    public WebSocket socket() {
        return socket;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }
        socket.abort();
    }
}
