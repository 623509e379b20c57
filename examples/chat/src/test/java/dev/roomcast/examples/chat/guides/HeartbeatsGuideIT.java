package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of the "Heartbeats and liveness" guide. The server pings every 250 ms and closes a
 * connection silent for 2 s, so each case is decided in a few seconds while a loaded machine still
 * answers in time.
 */
@Timeout(60)
class HeartbeatsGuideIT {
    private static final Duration PING_PERIOD = Duration.ofMillis(250);
    private static final Duration PONG_WAIT = Duration.ofSeconds(2);

    private GuideServer server;
    private final List<RawWebSocket> raws = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (RawWebSocket raw : raws) {
            raw.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private GuideServer start() {
        server = GuideServer.start(RoomcastConfig.builder().pingPeriod(PING_PERIOD).pongWait(PONG_WAIT));
        return server;
    }

    private RawWebSocket rawClient() throws IOException {
        RawWebSocket raw = RawWebSocket.open(server.port());
        raws.add(raw);
        assertThat(raw.upgrade("/ws", server.bearer("alice")).status()).isEqualTo(101);
        return raw;
    }

    /** Reads frames until {@code pings} pings arrived, answering each as {@code answer} says; fails on a close. */
    private static void stayThroughPings(RawWebSocket raw, int pings, PingAnswer answer) throws IOException {
        int seen = 0;
        while (seen < pings) {
            RawWebSocket.Frame frame = raw.readFrame();
            assertThat(frame.opcode()).as("the server closed the connection (code %d)", frame.closeCode())
                    .isNotEqualTo(RawWebSocket.OP_CLOSE);
            if (frame.opcode() == RawWebSocket.OP_PING) {
                seen++;
                answer.answer(raw, frame);
            }
        }
    }

    @FunctionalInterface
    private interface PingAnswer {
        void answer(RawWebSocket raw, RawWebSocket.Frame ping) throws IOException;
    }

    @Test
    void aClientThatAnswersPingsWithPongsStaysConnected() throws IOException {
        start();
        RawWebSocket raw = rawClient();
        // 12 pings span about 3 s, longer than pongWait
        stayThroughPings(raw, 12, (socket, ping) -> socket.sendFrame(RawWebSocket.OP_PONG, true, ping.payload()));
        assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
    }

    @Test
    void anyInboundFrameCountsAsAliveNotOnlyAPong() throws IOException {
        start();
        RawWebSocket raw = rawClient();
        stayThroughPings(raw, 12, (socket, ping) -> socket.sendText("{\"type\":\"ping\"}"));
        assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
    }

    @Test
    void aSilentClientIsClosedWith1001AfterPongWait() throws IOException {
        start();
        long opened = System.nanoTime();
        RawWebSocket raw = rawClient();

        RawWebSocket.Frame close = raw.readUntil(RawWebSocket.OP_CLOSE);

        assertThat(close.closeCode()).isEqualTo(1001);
        String reason = new String(Arrays.copyOfRange(close.payload(), 2, close.payload().length), StandardCharsets.UTF_8);
        assertThat(reason).isEqualTo("pong timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThan(PONG_WAIT);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
    }

    @Test
    void theServerAnswersAClientsPingWithAPongCarryingTheSamePayload() throws IOException {
        start();
        RawWebSocket raw = rawClient();
        raw.sendFrame(RawWebSocket.OP_PING, true, "are-you-there".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.readUntil(RawWebSocket.OP_PONG).text()).isEqualTo("are-you-there");
    }

    @Test
    void aStandardClientAnswersPingsByItselfAndStaysConnected() {
        start();
        TestClient jdk = server.connect("alice", "");
        // The JDK client, like browsers, answers pings without application code.
        // 12 pings span about 3 s, longer than pongWait.
        await().atMost(Duration.ofSeconds(5)).until(() -> jdk.pingsReceived() >= 12);
        assertThat(jdk.isClosed()).isFalse();
        assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
    }

    @Test
    void settingsForAProxyThatDropsIdleConnectionsAfterSixtySeconds() {
        // snippet:heartbeat-behind-proxy
        // A load balancer that closes connections idle for 60 s: ping well inside that,
        // and give a slow network a full ping period of slack before closing.
        RoomcastConfig config = RoomcastConfig.builder()
                .pingPeriod(Duration.ofSeconds(25))
                .pongWait(Duration.ofSeconds(55))
                .build();
        // end-snippet
        assertThat(config.pingPeriod()).isLessThan(config.pongWait());
        assertThatThrownBy(() -> RoomcastConfig.builder().pingPeriod(Duration.ofSeconds(30)).pongWait(Duration.ofSeconds(30)).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("pingPeriod");
    }
}
