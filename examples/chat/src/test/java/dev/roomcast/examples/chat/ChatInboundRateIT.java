package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chat example's inbound rates, set through its environment ({@code ROOMCAST_INBOUND_RATE},
 * {@code ROOMCAST_PUBLISHER_RATE}) and exercised over real sockets with real HS256 tokens: bad values
 * stop the start, the {@code publisher} role gets its own rate only when one is set, and with the rate
 * raised a windowed publisher loses no delivery to any of its room's subscribers.
 */
@Timeout(120)
class ChatInboundRateIT {
    private static final String SECRET = "chat-rate-test-secret-at-least-32-bytes!";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> sockets = new ArrayList<>();
    private RoomcastServer server;

    private RoomcastServer start(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_TOKEN_SECRET", SECRET,
                "ROOMCAST_VIP_PASSWORD", "rate-test-vip"));
        all.putAll(env);
        server = ChatServer.start(new ConfigSources(all, Map.of()), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        return server;
    }

    @AfterEach
    void stop() {
        sockets.forEach(WebSocket::abort);
        if (server != null) {
            server.stop();
        }
        http.close();
    }

    private static String token(String subject, Set<String> roles) {
        return new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint(subject, Optional.empty(), roles, Duration.ofMinutes(5));
    }

    private TestClient connect(String subject, Set<String> roles) {
        return TestClient.connect(http, URI.create(server.webSocketUri().toString()),
                Map.of("Authorization", "Bearer " + token(subject, roles)));
    }

    // ---- the environment -----------------------------------------------------------------------

    @Test
    void theInboundRateVariableSetsTheRateAndABurstOfTwiceIt() {
        start(Map.of("ROOMCAST_INBOUND_RATE", "2500"));
        assertThat(server.config().inboundRatePerSecond()).isEqualTo(2500.0);
        assertThat(server.config().inboundBurst()).isEqualTo(5000);
    }

    @Test
    void withoutTheVariableTheLibrarysDefaultRateApplies() {
        start(Map.of());
        assertThat(server.config().inboundRatePerSecond()).isEqualTo(100.0);
        assertThat(server.config().inboundBurst()).isEqualTo(200);
    }

    @Test
    void badRatesStopTheStartNamingTheVariable() {
        assertThatThrownBy(() -> start(Map.of("ROOMCAST_INBOUND_RATE", "fast")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ROOMCAST_INBOUND_RATE: expected a number > 0 but was 'fast'");
        assertThatThrownBy(() -> start(Map.of("ROOMCAST_PUBLISHER_RATE", "0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ROOMCAST_PUBLISHER_RATE: expected a number > 0 but was '0'");
        assertThatThrownBy(() -> start(Map.of("ROOMCAST_PUBLISHER_RATE", "2e9")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ROOMCAST_PUBLISHER_RATE: inbound rate burst (2 × perSecond): expected at most 2147483647");
    }

    // ---- the publisher role --------------------------------------------------------------------

    @Test
    void aTokenWithThePublisherRoleMaySendAtThePublisherRateWhileAnOrdinaryTokenIsClosedWith1008() {
        start(Map.of("ROOMCAST_INBOUND_RATE", "1", "ROOMCAST_PUBLISHER_RATE", "1000")); // bursts of 2 and 2,000
        int count = 50;

        TestClient feed = connect("feed", Set.of("publisher"));
        for (int i = 0; i < count; i++) {
            feed.sendJson(Map.of("type", "ping", "id", Integer.toString(i)));
        }
        for (int i = 0; i < count; i++) {
            assertThat(feed.awaitType("pong").path("id").asText()).isEqualTo(Integer.toString(i));
        }
        assertThat(feed.isClosed()).isFalse();

        TestClient alice = connect("alice", Set.of());
        // How many of the 50 leave the client before the close arrives depends on socket buffering;
        // the close code is what the policy decides.
        flood(alice, count);
        assertThat(alice.awaitClose()).isEqualTo(1008);
    }

    @Test
    void withoutAPublisherRateThePublisherRoleIsHeldToEveryonesRate() {
        start(Map.of("ROOMCAST_INBOUND_RATE", "1"));
        TestClient feed = connect("feed", Set.of("publisher"));
        flood(feed, 50);
        assertThat(feed.awaitClose()).isEqualTo(1008);
    }

    /** Sends up to {@code count} pings, stopping when the server has closed; returns how many were sent. */
    private static int flood(TestClient client, int count) {
        for (int i = 0; i < count; i++) {
            try {
                client.sendJson(Map.of("type", "ping", "id", Integer.toString(i)));
            } catch (RuntimeException closedMeanwhile) {
                return i;
            }
            if (client.isClosed()) {
                return i + 1;
            }
        }
        return count;
    }

    // ---- a windowed publisher loses nothing ----------------------------------------------------

    /**
     * Issue 17's acceptance case: with the rate raised, a publisher that never has more than
     * {@code WINDOW} messages outstanding to the slowest subscriber (it sends message k only once every
     * subscriber has received message k - WINDOW) loses no delivery under the default send behaviour:
     * every subscriber receives every message, in order. The default rate would close it after 200.
     */
    @Test
    void aWindowedPublisherAboveTheDefaultRateLosesNoDeliveryToFiftySubscribers() throws Exception {
        int subscribers = 50;
        int messages = 3_000;
        int window = 64;
        start(Map.of("ROOMCAST_INBOUND_RATE", "5000"));
        assertThat(server.config().sendBehavior()).isEqualTo(SendBehavior.BLOCK);
        URI feedRoom = URI.create(server.webSocketUri() + "?room=feed");

        List<Receiver> receivers = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            receivers.add(open(feedRoom, "subscriber-" + i));
        }
        // The publisher has to be a member to publish, so it receives its messages too and counts as one more subscriber.
        Receiver publisher = open(feedRoom, "publisher");
        receivers.add(publisher);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int k = 0; k < messages; k++) {
            awaitAllReceived(receivers, k - window + 1, deadline); // message k - window has arrived everywhere
            publisher.socket.get().sendText("{\"type\":\"publish\",\"room\":\"feed\",\"payload\":{\"n\":" + k + "}}", true)
                    .get(5, TimeUnit.SECONDS);
        }
        awaitAllReceived(receivers, messages, deadline);

        for (Receiver r : receivers) {
            assertThat(r.failure.get()).as("%s", r.name).isNull();
            assertThat(r.received.get()).as("%s", r.name).isEqualTo(messages);
            assertThat(r.closeCode.isDone()).as("%s was closed", r.name).isFalse();
        }
        assertThat(publisher.errors.get()).as("error events to the publisher").isZero();
    }

    private Receiver open(URI uri, String subject) throws Exception {
        Receiver receiver = new Receiver(subject);
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(TestClient.WAIT)
                .header("Authorization", "Bearer " + token(subject, Set.of()))
                .buildAsync(uri, receiver).get(5, TimeUnit.SECONDS);
        receiver.socket.set(ws);
        sockets.add(ws);
        return receiver;
    }

    /**
     * Waits until every receiver has {@code count} messages; fails at {@code deadline}, when one of them
     * reports a gap or is closed, or when none makes progress for 10 s.
     */
    private static void awaitAllReceived(List<Receiver> receivers, int count, long deadline) {
        long lastProgress = System.nanoTime();
        long lastTotal = -1;
        while (true) {
            long total = 0;
            int slowest = Integer.MAX_VALUE;
            for (Receiver r : receivers) {
                if (r.failure.get() != null) {
                    throw new AssertionError(r.name + ": " + r.failure.get());
                }
                if (r.closeCode.isDone()) {
                    throw new AssertionError(r.name + " was closed with " + r.closeCode.join());
                }
                int received = r.received.get();
                total += received;
                slowest = Math.min(slowest, received);
            }
            if (slowest >= count) {
                return;
            }
            long now = System.nanoTime();
            if (total != lastTotal) {
                lastTotal = total;
                lastProgress = now;
            }
            if (now - deadline > 0 || now - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                throw new AssertionError("expected every subscriber to have " + count + " messages but the slowest had "
                        + slowest + " (" + total + " deliveries in all)");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /**
     * One subscriber's JDK WebSocket listener: counts the {@code message} envelopes it receives and
     * records the first one out of order (a lost, repeated or reordered delivery).
     */
    private static final class Receiver implements WebSocket.Listener {
        final String name;
        final AtomicReference<WebSocket> socket = new AtomicReference<>();
        /** Messages received in order so far; also the {@code n} expected next. Written by the client's listener thread. */
        final AtomicInteger received = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicReference<String> failure = new AtomicReference<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        Receiver(String name) {
            this.name = name;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                for (String line : partial.toString().split("\n")) {
                    accept(line);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        private void accept(String line) {
            JsonNode envelope;
            try {
                envelope = JSON.readTree(line);
            } catch (Exception e) {
                failure.compareAndSet(null, "unparseable frame " + line);
                return;
            }
            switch (envelope.path("type").asText()) {
                case "message" -> {
                    int n = envelope.path("payload").path("n").asInt(-1);
                    int expected = received.get();
                    if (n == expected) {
                        received.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, "expected message " + expected + " but was " + n);
                    }
                }
                case "error" -> errors.incrementAndGet();
                default -> { } // joined, presence
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            failure.compareAndSet(null, "socket failed: " + error);
            closeCode.complete(-1);
        }
    }
}
