package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigSourcesTest {
    @Test
    void theEnvironmentWinsOverSystemPropertiesAndDefaultsFillTheRest() {
        ConfigSources s = new ConfigSources(Map.of("ROOMCAST_PORT", "9000"),
                Map.of("roomcast.port", "7000", "roomcast.host", "0.0.0.0"));
        assertThat(s.integer("ROOMCAST_PORT", 8080)).isEqualTo(9000);
        assertThat(s.string("ROOMCAST_HOST", "127.0.0.1")).isEqualTo("0.0.0.0");
        assertThat(s.string("ROOMCAST_MISSING", "fallback")).isEqualTo("fallback");
    }

    @Test
    void aNonNumberFailsNamingTheVariable() {
        ConfigSources s = new ConfigSources(Map.of("ROOMCAST_PORT", "eighty"), Map.of());
        assertThatThrownBy(() -> s.integer("ROOMCAST_PORT", 8080)).hasMessageContaining("ROOMCAST_PORT: expected an integer");
    }

    @Test
    void aPositiveNumberMayHaveDecimalsAndIsEmptyWhenUnset() {
        ConfigSources s = new ConfigSources(Map.of("ROOMCAST_INBOUND_RATE", "2500", "ROOMCAST_PUBLISHER_RATE", "0.5"), Map.of());
        assertThat(s.positiveNumber("ROOMCAST_INBOUND_RATE")).contains(2500.0);
        assertThat(s.positiveNumber("ROOMCAST_PUBLISHER_RATE")).contains(0.5);
        assertThat(s.positiveNumber("ROOMCAST_MISSING")).isEmpty();
    }

    @Test
    void zeroNegativeTextAndInfiniteNumbersFailNamingTheVariable() {
        for (String bad : new String[] {"0", "-1", "fast", "NaN", "Infinity", "1e400"}) {
            ConfigSources s = new ConfigSources(Map.of("ROOMCAST_INBOUND_RATE", bad), Map.of());
            assertThatThrownBy(() -> s.positiveNumber("ROOMCAST_INBOUND_RATE"))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("ROOMCAST_INBOUND_RATE: expected a number > 0 but was '" + bad + "'");
        }
    }

    @Test
    void blankValuesCountAsUnset() {
        ConfigSources s = new ConfigSources(Map.of("ROOMCAST_TOKEN_SECRET", "  "), Map.of());
        assertThat(s.secret("ROOMCAST_TOKEN_SECRET")).isEmpty();
    }
}
