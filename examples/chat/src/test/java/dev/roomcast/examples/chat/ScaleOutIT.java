package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.cluster.redis.RedisFixture;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two chat nodes on different ports sharing a real {@code redis-server} ({@code ROOMCAST_REDIS_URL}),
 * with a real JDK WebSocket client on each: messages cross nodes, and a Redis outage degrades to
 * local delivery with a {@code RELAY_FAILED} error and a metric, then heals without a restart.
 */
@Timeout(60)
class ScaleOutIT {
    private static final String SECRET = "scale-out-test-secret-at-least-32-bytes!";

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<RoomcastServer> nodes = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    /** A fresh redis-server per test (tests stop it); stopped after {@link #stopAll}. */
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perTest();

    @AfterEach
    void stopAll() throws Exception {
        processes.forEach(Process::destroyForcibly);
        nodes.forEach(RoomcastServer::stop);
        http.close();
    }

    private RoomcastServer node(String nodeId) {
        return node(nodeId, Map.of());
    }

    private Map<String, String> nodeEnvironment(String nodeId, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_TOKEN_SECRET", SECRET,
                "ROOMCAST_REDIS_URL", redis.uri(), "ROOMCAST_NODE_ID", nodeId));
        env.putAll(extra);
        return env;
    }

    private RoomcastServer node(String nodeId, Map<String, String> extra) {
        Map<String, String> env = nodeEnvironment(nodeId, extra);
        RoomcastServer server = ChatServer.start(new ConfigSources(env, Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        nodes.add(server);
        return server;
    }

    private TestClient client(RoomcastServer node, String subject) {
        return client(node.webSocketUri(), subject);
    }

    private TestClient client(URI webSocketUri, String subject) {
        TestClient client = connect(webSocketUri, subject);
        client.awaitType("joined");
        return client;
    }

    private TestClient connect(RoomcastServer node, String subject) {
        return connect(node.webSocketUri(), subject);
    }

    private TestClient connect(URI webSocketUri, String subject) {
        String token = new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint(subject, Optional.of(subject), Set.of(), Duration.ofMinutes(5));
        return TestClient.connect(http, URI.create(webSocketUri + "?room=lobby"),
                Map.of("Authorization", "Bearer " + token));
    }

    /**
     * A chat node in a JVM of its own (the test's class path, {@code ChatServer.main}), so that it can
     * be killed with SIGKILL; returns its WebSocket URI, read from the line it prints when it listens.
     */
    private URI nodeProcess(String nodeId, Map<String, String> extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ChatServer.class.getName()).redirectErrorStream(true);
        builder.environment().putAll(nodeEnvironment(nodeId, extra));
        Process process = builder.start();
        processes.add(process);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        // A JVM starts slowly on a loaded machine: the one wait here longer than 5 s, bounded by the read loop's count.
        CompletableFuture<URI> listening = CompletableFuture.supplyAsync(() -> {
            try {
                for (int i = 0; i < 10_000; i++) {
                    String line = out.readLine();
                    if (line == null) {
                        break;
                    }
                    Matcher m = Pattern.compile("listening on (ws://\\S+)").matcher(line);
                    if (m.find()) {
                        return URI.create(m.group(1));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("node " + nodeId + " ended before listening");
        });
        URI uri = listening.get(30, TimeUnit.SECONDS);
        Thread.ofVirtual().start(() -> out.lines().forEach(line -> { })); // keep draining its output
        return uri;
    }

    private static void publish(TestClient client, String text) {
        client.sendJson(Map.of("type", "publish", "room", "lobby", "id", text, "payload", Map.of("text", text)));
    }

    private static JsonNode awaitMessage(TestClient client, String text) {
        while (true) {
            JsonNode message = client.awaitType("message");
            if (message.path("payload").path("text").asText().equals(text)) {
                return message;
            }
        }
    }

    /** Whether a message with {@code text} arrives within {@code wait}, skipping others. */
    private static boolean receives(TestClient client, String text, Duration wait) {
        long end = System.nanoTime() + wait.toNanos();
        for (JsonNode m = client.nextWithin(wait); m != null && System.nanoTime() < end; m = client.nextWithin(wait)) {
            if (text.equals(m.path("payload").path("text").asText())) {
                return true;
            }
        }
        return false;
    }

    private double relayFailures(RoomcastServer node) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(node.httpUri() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^roomcast_broadcast_relay_failed_total(?:\\{[^}]*})? ([0-9.eE+]+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Live Lettuce threads (Lettuce and its Netty pools name theirs {@code lettuce-…}). */
    private static Set<Thread> lettuceThreadsSince(Set<Thread> before) {
        Set<Thread> now = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("lettuce-") && !before.contains(t)) {
                now.add(t);
            }
        }
        return now;
    }

    @Test
    void aNodeWithHistoryRunsOneRedisClientAndStoppingItLeavesNoLettuceThread() {
        Set<Thread> before = lettuceThreadsSince(Set.of());
        RoomcastServer node = node("a", Map.of("ROOMCAST_HISTORY_ROOMS", "lobby"));
        client(node, "alice"); // a history room: its join reads the history, its presence goes through the bus

        Set<Thread> started = lettuceThreadsSince(before);
        // Netty names event-loop threads lettuce-<kind>EventLoop-<pool>-<n>: one pool per Lettuce client.
        Pattern eventLoop = Pattern.compile("lettuce-\\w*EventLoop-(\\d+)-\\d+");
        Set<String> pools = new HashSet<>();
        for (Thread t : started) {
            Matcher m = eventLoop.matcher(t.getName());
            if (m.matches()) {
                pools.add(m.group(1));
            }
        }
        assertThat(pools).as("event-loop pools of the node's Lettuce threads %s", started).hasSize(1);

        node.stop(); // the hub closes the bus and the history; the last of them shuts the client down
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(lettuceThreadsSince(before)).as("Lettuce threads left after the node stopped").isEmpty());
    }

    @Test
    void aNodeKilledWithSigkillHasItsMemberAnnouncedAsLeftOnceOnTheOtherNode() throws Exception {
        Map<String, String> fast = Map.of("ROOMCAST_PRESENCE_TTL_MILLIS", "1500", "ROOMCAST_HEARTBEAT_MILLIS", "300");
        RoomcastServer one = node("one", fast);
        URI two = nodeProcess("two", fast);
        TestClient alice = client(one, "alice");
        TestClient bob = client(two, "bob");
        JsonNode join = alice.awaitType("presence").path("payload");
        assertThat(join.path("event").asText()).isEqualTo("join");
        assertThat(join.path("member").path("subject").asText()).isEqualTo("bob");

        ProcessHandle killed = processes.getFirst().toHandle();
        killed.destroyForcibly(); // SIGKILL: no shutdown hook, no leave, its keys left in Redis
        killed.onExit().get(5, TimeUnit.SECONDS);
        long dead = System.nanoTime();

        JsonNode leave = alice.awaitType("presence").path("payload");
        assertThat(leave.path("event").asText()).isEqualTo("leave");
        assertThat(leave.path("member").path("subject").asText()).isEqualTo("bob");
        assertThat(Duration.ofNanos(System.nanoTime() - dead)).as("within the TTL and one heartbeat, plus slack")
                .isLessThan(Duration.ofMillis(1_500 + 300 + 2_000));
        alice.assertNoMoreMessages(Duration.ofSeconds(3)); // several more checks: announced once
        JsonNode joined = connect(one, "carol").awaitType("joined").path("payload");
        assertThat(joined.path("members").findValuesAsText("subject")).as("bob is gone from the cluster's list")
                .containsExactly("alice", "carol");
        assertThat(joined.path("memberCount").asInt()).isEqualTo(2);
        bob.close();
    }

    @Test
    void theJoinedReplyOnOneNodeListsTheMembersOfBothNodes() {
        RoomcastServer one = node("one");
        RoomcastServer two = node("two");
        TestClient alice = client(one, "alice");
        TestClient bob = client(two, "bob");
        alice.awaitType("presence"); // bob is in node two's presence by now

        TestClient carol = connect(one, "carol"); // joined at the upgrade (?room=lobby), then a join message
        JsonNode atUpgrade = carol.awaitType("joined").path("payload");
        carol.sendJson(Map.of("type", "join", "room", "lobby", "id", "again"));
        JsonNode again = carol.awaitType("joined").path("payload");

        for (JsonNode joined : List.of(atUpgrade, again)) {
            assertThat(joined.path("memberCount").asInt()).isEqualTo(3);
            assertThat(joined.path("members").findValuesAsText("subject")).containsExactly("alice", "bob", "carol");
            assertThat(joined.has("partial")).isFalse();
        }
        bob.close();
        alice.close();
    }

    @Test
    void aClientOnEachNodeReceivesTheOthersMessagesOnce() {
        RoomcastServer one = node("one");
        RoomcastServer two = node("two");
        TestClient alice = client(one, "alice");
        TestClient bob = client(two, "bob");
        assertThat(alice.awaitType("presence").path("payload").path("member").path("subject").asText())
                .as("bob's join on node two is announced on node one").isEqualTo("bob");

        publish(alice, "hello from one");
        publish(bob, "hello from two");

        // Each client gets both messages (its own copy included), in whatever order the nodes interleave them.
        for (TestClient client : List.of(alice, bob)) {
            Map<String, String> fromByText = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonNode m = client.awaitType("message");
                fromByText.put(m.path("payload").path("text").asText(), m.path("from").asText());
            }
            assertThat(fromByText).isEqualTo(Map.of("hello from one", "alice", "hello from two", "bob"));
        }
        alice.assertNoMoreMessages(Duration.ofMillis(300));
        bob.assertNoMoreMessages(Duration.ofMillis(100));
    }

    @Test
    void whileRedisIsDownLocalMembersStillReceiveAndThePublisherGetsRelayFailed() throws Exception {
        RoomcastServer one = node("one");
        RoomcastServer two = node("two");
        TestClient alice = client(one, "alice");
        TestClient carol = client(one, "carol");
        TestClient bob = client(two, "bob");
        publish(alice, "warm-up");
        awaitMessage(bob, "warm-up");
        double failuresBefore = relayFailures(one);

        redis.server().stop();
        publish(alice, "during the outage");

        assertThat(awaitMessage(carol, "during the outage").path("from").asText()).isEqualTo("alice");
        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("RELAY_FAILED");
        assertThat(error.path("id").asText()).as("correlated with the publish").isEqualTo("during the outage");
        await().atMost(Duration.ofSeconds(5)).until(() -> relayFailures(one) > failuresBefore);
        bob.assertNoMoreMessages(Duration.ofMillis(300));
    }

    @Test
    void whenRedisReturnsMessagesCrossNodesAgainWithoutARestart() throws Exception {
        RoomcastServer one = node("one");
        RoomcastServer two = node("two");
        TestClient alice = client(one, "alice");
        TestClient bob = client(two, "bob");

        redis.server().stop();
        redis.server().startAgain();

        // Lettuce reconnects and subscribes again within its reconnect delay; until then a publish may fail.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
            String text = "after " + System.nanoTime();
            publish(alice, text);
            return receives(bob, text, Duration.ofMillis(300));
        });
    }
}
