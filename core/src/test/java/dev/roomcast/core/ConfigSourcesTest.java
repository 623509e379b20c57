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
    void blankValuesCountAsUnset() {
        ConfigSources s = new ConfigSources(Map.of("ROOMCAST_TOKEN_SECRET", "  "), Map.of());
        assertThat(s.secret("ROOMCAST_TOKEN_SECRET")).isEmpty();
    }
}
