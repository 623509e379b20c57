package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain JDK {@link WebSocket.Listener} that collects what the server sends, as the guides' client
 * snippets use it: every text frame, every envelope (a {@code roomcast.batch.v1} frame is split on
 * newlines) and the close code. Every wait is at most 5 s.
 */
final class Inbox implements WebSocket.Listener {
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<JsonNode> envelopes = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String frame = partial.toString();
            partial.setLength(0);
            frames.add(frame);
            // snippet:batch-split
            // roomcast.batch.v1: one frame may carry several envelopes, one per line
            for (String line : frame.split("\n")) {
                envelopes.add(parse(line));
            }
            // end-snippet
        }
        socket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
        closeCode.complete(1006);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the server sent a line that is not JSON: " + line, e);
        }
    }

    /** Skips envelopes until one of {@code type} arrives; fails after 5 s. */
    JsonNode awaitType(String type) {
        long end = System.nanoTime() + WAIT.toNanos();
        List<String> skipped = new ArrayList<>();
        try {
            while (true) {
                long left = end - System.nanoTime();
                JsonNode next = left <= 0 ? null : envelopes.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new AssertionError("expected a '" + type + "' envelope within " + WAIT + " but got only " + skipped);
                }
                if (type.equals(next.path("type").asText())) {
                    return next;
                }
                skipped.add(next.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next text frame as received (before splitting); fails after 5 s. */
    String nextFrame() {
        try {
            String frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a text frame within %s", WAIT).isNotNull();
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The server's close code; fails after 5 s. */
    int awaitClose() {
        return closeCode.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }
}
