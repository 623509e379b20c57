package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.Identity;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inbound rate decided per identity by an {@link InboundRatePolicy}, over real sockets: the rate
 * the policy gives a connection is the one its client is held to, a role can be given a higher rate
 * than everyone else, the policy is asked once per connection, and a failing policy refuses the
 * upgrade. Rates are set with a sustained rate of one message per 1,000 s, so only the burst counts
 * and the limits hold exactly whatever the machine's speed.
 */
@Timeout(60)
class InboundRatePolicyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Practically no refill: the burst is all a client has during a test. */
    private static final double NO_REFILL = 0.001;
    private static final String REASON = "inbound message rate exceeded";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(RoomcastConfig.Builder config, InboundRatePolicy policy) {
        server = TestServer.builder().config(config.build()).inboundRates(policy).start();
    }

    @Test
    void aConnectionMaySendItsPolicysBurstInFullAndIsClosedWith1008AndTheReasonOneMessageLater() throws IOException {
        // The config's burst (3) would close it much earlier: the policy's rate is the one applied.
        start(RoomcastConfig.builder().inboundRatePerSecond(NO_REFILL).inboundBurst(3),
                identity -> InboundRate.of(NO_REFILL, 40));
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            for (int i = 0; i < 40; i++) {
                ws.sendText(ping(i));
            }
            for (int i = 0; i < 40; i++) { // every one answered: none of the 40 was over the limit
                assertThat(JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text()).path("id").asText())
                        .isEqualTo(Integer.toString(i));
            }

            ws.sendText(ping(40));

            RawWebSocket.Frame close = ws.readUntil(RawWebSocket.OP_CLOSE);
            assertThat(close.closeCode()).isEqualTo(1008);
            assertThat(reason(close)).isEqualTo(REASON);
        }
    }

    @Test
    void aPublisherRolePublishesAboveTheDefaultRateWhileAnOrdinaryIdentityAtThatPaceIsClosed() throws Exception {
        InboundRate everyone = InboundRate.of(NO_REFILL, 10);
        InboundRate publishers = InboundRate.of(NO_REFILL, 1_000);
        start(RoomcastConfig.builder().inboundRatePerSecond(everyone.perSecond()).inboundBurst(everyone.burst()),
                InboundRatePolicy.byRole(Map.of("publisher", publishers), everyone));
        int count = 300; // 30 times the ordinary burst, sent as fast as the socket takes them

        try (RawWebSocket feed = RawWebSocket.connect(server.port(), "/ws?room=feed", "feed:publisher")) {
            assertThat(type(feed.readUntil(RawWebSocket.OP_TEXT))).isEqualTo("joined");
            for (int n = 0; n < count; n++) {
                feed.sendText(publish(n));
            }
            for (int n = 0; n < count; n++) { // the publisher is a member: each publish comes back, in order
                JsonNode message = nextOfType(feed, "message");
                assertThat(message.path("payload").path("n").asInt()).isEqualTo(n);
            }
            feed.sendText(ping(-1));
            assertThat(nextOfType(feed, "pong").path("id").asText()).as("still open after %d publishes", count)
                    .isEqualTo("-1");
        }

        try (RawWebSocket alice = RawWebSocket.connect(server.port(), "/ws?room=feed", "alice")) {
            for (int n = 0; n < count; n++) {
                alice.sendText(publish(n));
            }
            RawWebSocket.Frame close = alice.readUntil(RawWebSocket.OP_CLOSE);
            assertThat(close.closeCode()).isEqualTo(1008);
            assertThat(reason(close)).isEqualTo(REASON);
        }
    }

    @Test
    void thePolicyIsAskedOnceAtTheUpgradeWithTheVerifiedIdentity() throws IOException {
        List<Identity> asked = new CopyOnWriteArrayList<>();
        start(RoomcastConfig.builder(), identity -> {
            asked.add(identity);
            return InboundRate.of(1_000, 1_000);
        });
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "bob:publisher")) {
            for (int i = 0; i < 20; i++) {
                ws.sendText(ping(i));
            }
            for (int i = 0; i < 20; i++) {
                ws.readUntil(RawWebSocket.OP_TEXT);
            }
        }
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).subject()).isEqualTo("bob");
        assertThat(asked.get(0).roles()).containsExactly("publisher");
    }

    @Test
    void aPolicyThatFailsRefusesTheUpgradeWith500AndAJsonErrorThatLeaksNothing() throws IOException {
        start(RoomcastConfig.builder(), identity -> {
            throw new IllegalStateException("rate table unavailable: secret-marker-51c2");
        });
        try (RawWebSocket ws = RawWebSocket.open(server.port())) {
            RawWebSocket.Response response = ws.upgrade("/ws", FakeTokens.bearer("alice"));
            assertThat(response.status()).isEqualTo(500);
            assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("INTERNAL");
            assertThat(response.body()).doesNotContain("secret-marker-51c2");
        }
        assertThat(server.hub().activeConnectionCount()).isZero();
    }

    @Test
    void aPolicyThatGivesNoRateRefusesTheUpgradeWith500() throws IOException {
        start(RoomcastConfig.builder(), identity -> null);
        try (RawWebSocket ws = RawWebSocket.open(server.port())) {
            assertThat(ws.upgrade("/ws", FakeTokens.bearer("alice")).status()).isEqualTo(500);
        }
    }

    private static String ping(int id) {
        return "{\"type\":\"ping\",\"id\":\"" + id + "\"}";
    }

    private static String publish(int n) {
        return "{\"type\":\"publish\",\"room\":\"feed\",\"payload\":{\"n\":" + n + "}}";
    }

    private static String type(RawWebSocket.Frame frame) throws IOException {
        return JSON.readTree(frame.text()).path("type").asText();
    }

    /** The next text envelope of {@code type}, skipping others (presence); bounded by the socket's 5 s timeout. */
    private static JsonNode nextOfType(RawWebSocket ws, String type) throws IOException {
        for (int i = 0; i < 1_000; i++) {
            JsonNode envelope = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            if (envelope.path("type").asText().equals(type)) {
                return envelope;
            }
        }
        throw new AssertionError("expected a " + type + " envelope within 1,000");
    }

    /** The reason of a close frame: the UTF-8 text after its two-byte code. */
    private static String reason(RawWebSocket.Frame close) {
        byte[] payload = close.payload();
        return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }
}
