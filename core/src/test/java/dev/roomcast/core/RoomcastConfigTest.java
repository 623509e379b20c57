package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoomcastConfigTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @Test
    void defaultsAreTheDocumentedSafeValues() {
        RoomcastConfig c = RoomcastConfig.defaults();
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.path()).isEqualTo("/ws");
        assertThat(c.sendQueueSize()).isEqualTo(256);
        assertThat(c.sendTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.sendBehavior()).isEqualTo(SendBehavior.BLOCK);
        assertThat(c.workerCount()).isEqualTo(16);
        assertThat(c.jobQueueSize()).isEqualTo(4096);
        assertThat(c.maxMessageBytes()).isEqualTo(1024 * 1024);
        assertThat(c.pingPeriod()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.pongWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxRoomConnections()).isZero();
        assertThat(c.maxRoomRegistrations()).isZero();
        assertThat(c.maxConnections()).isZero();
        assertThat(c.adminBroadcastEnabled()).isFalse();
        assertThat(c.allowedOrigins()).isEmpty();
        assertThat(c.allowAllOrigins()).isFalse();
        assertThat(c.queryTokenEnabled()).isFalse();
        assertThat(c.allowUnauthenticated()).isFalse();
        assertThat(c.tokenSecret()).isEmpty();
        assertThat(c.adminBroadcastSecret()).isEmpty();
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.shutdownBatches()).isEqualTo(10);
        assertThat(c.shutdownSpread()).isEqualTo(0.5);
        assertThat(c.shutdownReconnectWindow()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void shutdownBatchesAreAcceptedFrom1To10000AndRejectedJustOutside() {
        assertThat(RoomcastConfig.builder().shutdownBatches(1).build().shutdownBatches()).isEqualTo(1);
        assertThat(RoomcastConfig.builder().shutdownBatches(10_000).build().shutdownBatches()).isEqualTo(10_000);
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownBatches(0).build())
                .hasMessageContaining("shutdownBatches: expected 1..10000 but was 0");
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownBatches(10_001).build())
                .hasMessageContaining("shutdownBatches: expected 1..10000 but was 10001");
    }

    @Test
    void aShutdownSpreadOfOneIsAcceptedAndZeroOrMoreThanOneRejected() {
        assertThat(RoomcastConfig.builder().shutdownSpread(1.0).build().shutdownSpread()).isEqualTo(1.0);
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownSpread(0).build())
                .hasMessageContaining("shutdownSpread: expected a share in (0, 1] but was 0.0");
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownSpread(1.01).build())
                .hasMessageContaining("shutdownSpread: expected a share in (0, 1] but was 1.01");
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownSpread(Double.NaN).build())
                .hasMessageContaining("shutdownSpread: expected a share in (0, 1] but was NaN");
    }

    @Test
    void aZeroReconnectWindowIsAcceptedAndANegativeOneRejected() {
        assertThat(RoomcastConfig.builder().shutdownReconnectWindow(Duration.ZERO).build().shutdownReconnectWindow())
                .isZero();
        assertThatThrownBy(() -> RoomcastConfig.builder().shutdownReconnectWindow(Duration.ofMillis(-1)).build())
                .hasMessageContaining("shutdownReconnectWindow: expected a duration >= 0 but was PT-0.001S");
    }

    @Test
    void theShutdownSettingsSurviveToBuilder() {
        RoomcastConfig c = RoomcastConfig.builder().shutdownBatches(4).shutdownSpread(0.8)
                .shutdownReconnectWindow(Duration.ofSeconds(3)).build().toBuilder().build();
        assertThat(c.shutdownBatches()).isEqualTo(4);
        assertThat(c.shutdownSpread()).isEqualTo(0.8);
        assertThat(c.shutdownReconnectWindow()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void negativeSizesAreRejectedNamingTheFieldAndTheRule() {
        assertThatThrownBy(() -> RoomcastConfig.builder().sendQueueSize(-1).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("sendQueueSize: expected > 0 but was -1");
        assertThatThrownBy(() -> RoomcastConfig.builder().maxRoomConnections(-5).build())
                .hasMessageContaining("maxRoomConnections: expected >= 0 (0 = unlimited) but was -5");
    }

    @Test
    void aPingPeriodNotShorterThanThePongWaitIsRejected() {
        assertThatThrownBy(() -> RoomcastConfig.builder().pingPeriod(Duration.ofSeconds(30)).pongWait(Duration.ofSeconds(30)).build())
                .hasMessageContaining("pingPeriod: expected less than pongWait (PT30S) but was PT30S");
        assertThat(RoomcastConfig.builder().pingPeriod(Duration.ofSeconds(29)).pongWait(Duration.ofSeconds(30)).build().pingPeriod())
                .isEqualTo(Duration.ofSeconds(29));
    }

    @Test
    void aTokenSecretOf31BytesIsRejectedAnd32Accepted() {
        assertThatThrownBy(() -> RoomcastConfig.builder().tokenSecret(new byte[31]).build())
                .hasMessageContaining("tokenSecret: expected at least 32 bytes but was 31");
        assertThat(RoomcastConfig.builder().tokenSecret(new byte[32]).build().tokenSecret()).isPresent();
    }

    @Test
    void anAdminSecretEqualToTheTokenSecretIsRejected() {
        assertThatThrownBy(() -> RoomcastConfig.builder().tokenSecret(SECRET).adminBroadcastSecret(SECRET.clone()).build())
                .hasMessageContaining("adminBroadcastSecret: expected a secret different from tokenSecret");
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        assertThatThrownBy(() -> RoomcastConfig.builder().workerCount(0).port(70000).path("ws").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.violations()).hasSize(3));
    }

    @Test
    void secretsAreCopiedAndNeverPrinted() {
        byte[] mine = SECRET.clone();
        RoomcastConfig c = RoomcastConfig.builder().tokenSecret(mine).build();
        mine[0] = 'X';
        assertThat(c.tokenSecret().orElseThrow()[0]).isEqualTo((byte) '0');
        c.tokenSecret().orElseThrow()[1] = 'Y';
        assertThat(c.tokenSecret().orElseThrow()[1]).isEqualTo((byte) '1');
        assertThat(c.toString()).doesNotContain("0123456789").contains("tokenSecret=<set>");
    }

    @Test
    void toBuilderDerivesAVariantAndLeavesTheOriginalAlone() {
        RoomcastConfig base = RoomcastConfig.defaults();
        RoomcastConfig variant = base.toBuilder().sendBehavior(SendBehavior.CLOSE).build();
        assertThat(variant.sendBehavior()).isEqualTo(SendBehavior.CLOSE);
        assertThat(base.sendBehavior()).isEqualTo(SendBehavior.BLOCK);
    }

    @Test
    void anOriginWithATrailingSlashIsRejectedBecauseItCouldNeverMatch() {
        assertThatThrownBy(() -> RoomcastConfig.builder().allowedOrigins("https://app.example.com/").build())
                .hasMessageContaining("allowedOrigins");
    }

    @Test
    void aRoomWithItsOwnSendBehaviorOverridesTheDefaultAndOtherRoomsKeepIt() {
        RoomName feed = RoomName.of("feed");
        RoomcastConfig c = RoomcastConfig.builder().sendBehavior(SendBehavior.BLOCK)
                .roomSendBehavior(feed, SendBehavior.DROP).build();

        assertThat(c.sendBehavior(feed)).isEqualTo(SendBehavior.DROP);
        assertThat(c.sendBehavior(RoomName.of("alerts"))).isEqualTo(SendBehavior.BLOCK);
        assertThat(c.roomSendBehaviors()).containsExactly(java.util.Map.entry(feed, SendBehavior.DROP));
        assertThat(c.toString()).contains("roomSendBehaviors={feed=DROP}");
        assertThat(RoomcastConfig.defaults().roomSendBehaviors()).isEmpty();
    }

    @Test
    void roomSendBehaviorsSurviveToBuilderAndAVariantDoesNotChangeTheOriginal() {
        RoomName feed = RoomName.of("feed");
        RoomcastConfig base = RoomcastConfig.builder().roomSendBehavior(feed, SendBehavior.DROP).build();
        RoomcastConfig variant = base.toBuilder().roomSendBehavior(RoomName.of("alerts"), SendBehavior.CLOSE).build();

        assertThat(variant.roomSendBehaviors()).hasSize(2).containsEntry(feed, SendBehavior.DROP);
        assertThat(base.roomSendBehaviors()).hasSize(1);
    }

    @Test
    void aRoomSendBehaviorOfNullIsReportedByValidate() {
        assertThatThrownBy(() -> RoomcastConfig.builder().roomSendBehavior(RoomName.of("feed"), null).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("roomSendBehaviors: expected a room and BLOCK, DROP or CLOSE but one entry was feed=null");
    }
}
