package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The limits of {@link RoomHistoryConfig} (each at the limit and just over) and the parsing of a join's {@code since}. */
class RoomHistoryConfigTest {
    private static final RoomName LOG = RoomName.of("log");
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void entriesAndAgeAreAcceptedAtTheirLimits() {
        RoomHistoryConfig config = RoomHistoryConfig.builder()
                .room(LOG, 1, Duration.ofSeconds(1))
                .room(RoomName.of("big"), RoomHistoryConfig.MAX_ENTRIES_LIMIT, Duration.ofDays(7))
                .build();

        assertThat(config.retention(LOG)).contains(new RoomHistoryConfig.Retention(1, Duration.ofSeconds(1)));
        assertThat(config.retention(RoomName.of("other"))).isEmpty();
    }

    @Test
    void entriesAndAgeJustOverTheirLimitsAreEachNamed() {
        assertThatThrownBy(() -> RoomHistoryConfig.builder()
                .room(LOG, 0, Duration.ofMillis(999))
                .room(RoomName.of("big"), RoomHistoryConfig.MAX_ENTRIES_LIMIT + 1, Duration.ofSeconds(1))
                .build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.violations()).containsExactly(
                        "history.log.maxEntries: expected 1 to 1000000 but was 0",
                        "history.log.maxAge: expected at least PT1S but was PT0.999S",
                        "history.big.maxEntries: expected 1 to 1000000 but was 1000001"));
    }

    @Test
    void aJoinWithoutSinceRecoversNothingAndAWellFormedSinceIsRead() throws Exception {
        assertThat(StreamPosition.sinceOf(mapper.readTree("{\"password\":\"x\"}"))).isEmpty();
        assertThat(StreamPosition.sinceOf(mapper.readTree("{\"since\":null}"))).isEmpty();
        assertThat(StreamPosition.sinceOf(mapper.readTree("{\"since\":{\"offset\":12,\"epoch\":\"9f3c\"}}")))
                .isEqualTo(Optional.of(StreamPosition.of(12, "9f3c")));
    }

    @Test
    void aMalformedSinceIsRefusedAsAnInvalidPayload() throws Exception {
        for (String since : new String[] {"3", "{\"offset\":-1,\"epoch\":\"e\"}", "{\"offset\":1.5,\"epoch\":\"e\"}",
                "{\"offset\":\"1\",\"epoch\":\"e\"}", "{\"offset\":1}", "{\"offset\":1,\"epoch\":\"a b\"}",
                "{\"offset\":1,\"epoch\":\"" + "e".repeat(StreamPosition.MAX_EPOCH_LENGTH + 1) + "\"}"}) {
            assertThatThrownBy(() -> StreamPosition.sinceOf(mapper.readTree("{\"since\":" + since + "}")))
                    .as(since).isInstanceOfSatisfying(RoomcastException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PAYLOAD));
        }
        assertThat(StreamPosition.isValidEpoch("e".repeat(StreamPosition.MAX_EPOCH_LENGTH))).as("at the limit").isTrue();
    }
}
