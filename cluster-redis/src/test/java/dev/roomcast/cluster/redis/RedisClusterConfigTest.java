package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisClusterConfigTest {

    @Test
    void aHeartbeatJustBelowThePresenceTtlIsAccepted() {
        RedisClusterConfig config = RedisClusterConfig.builder("redis://127.0.0.1:6380")
                .presenceTtl(Duration.ofSeconds(2)).heartbeat(Duration.ofMillis(1_999)).build();

        assertThat(config.heartbeat()).isEqualTo(Duration.ofMillis(1_999));
    }

    @Test
    void aHeartbeatAsLongAsThePresenceTtlIsRefusedBecauseKeysWouldExpireBetweenBeats() {
        assertThatThrownBy(() -> RedisClusterConfig.builder("redis://127.0.0.1:6380")
                .presenceTtl(Duration.ofSeconds(2)).heartbeat(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heartbeat: expected less than presenceTtl (PT2S) but was PT2S");
    }

    @Test
    void aNodeIdWithTheKeySeparatorIsRefused() {
        assertThatThrownBy(() -> RedisClusterConfig.builder("redis://127.0.0.1:6380").nodeId("a:b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodeId: expected letters, digits, '-', '_' or '.' but found ':'");
    }

    @Test
    void anUnknownSchemeIsRefused() {
        assertThatThrownBy(() -> RedisClusterConfig.builder("http://127.0.0.1:6380").build())
                .hasMessage("redisUri: expected scheme redis or rediss but was http");
    }

    @Test
    void theAddressForLogsLeavesOutThePassword() {
        RedisClusterConfig config = RedisClusterConfig.builder("redis://:s3cret@127.0.0.1:6380").build();

        assertThat(config.redisAddress()).isEqualTo("127.0.0.1:6380").doesNotContain("s3cret");
    }

    @Test
    void eachStartGetsItsOwnRandomNodeIdByDefault() {
        String first = RedisClusterConfig.builder("redis://127.0.0.1:6380").build().nodeId();
        String second = RedisClusterConfig.builder("redis://127.0.0.1:6380").build().nodeId();

        assertThat(first).hasSize(12).isNotEqualTo(second);
    }

    @Test
    void aPresenceReadTimeoutOfOneMillisecondIsAcceptedAndDefaultsTo500() {
        RedisClusterConfig config = RedisClusterConfig.builder("redis://127.0.0.1:6380")
                .presenceReadTimeout(Duration.ofMillis(1)).build();

        assertThat(config.presenceReadTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(RedisClusterConfig.builder("redis://127.0.0.1:6380").build().presenceReadTimeout())
                .isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aPresenceReadTimeoutOfZeroIsRefused() {
        assertThatThrownBy(() -> RedisClusterConfig.builder("redis://127.0.0.1:6380")
                .presenceReadTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("presenceReadTimeout: expected a positive duration but was PT0S");
    }

    @Test
    void presenceHashesOutliveTheLivenessKeySoTheSurvivorsCanReadWhomToAnnounce() {
        RedisClusterConfig config = RedisClusterConfig.builder("redis://127.0.0.1:6380")
                .presenceTtl(Duration.ofSeconds(3)).heartbeat(Duration.ofSeconds(1)).build();

        assertThat(ClusterPresence.dataTtl(config)).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void toBuilderKeepsEveryOptionIncludingThePresenceReadTimeout() {
        RedisClusterConfig config = RedisClusterConfig.builder("redis://127.0.0.1:6380").nodeId("n1")
                .presenceReadTimeout(Duration.ofMillis(250)).build();

        assertThat(config.toBuilder().build()).isEqualTo(config);
    }
}
