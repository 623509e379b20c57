package dev.roomcast.observability.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class CachedMeterProviderTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CachedMeterProvider<Counter> closed =
            new CachedMeterProvider<>(Counter.builder("closed").withRegistry(registry));

    @Test
    void theSameTagsGiveTheSameRegisteredMeter() {
        Counter first = closed.withTags("code", "1000");
        Counter again = closed.withTags("code", "1000");
        first.increment();
        again.increment();

        assertThat(again).isSameAs(first);
        assertThat(registry.get("closed").tag("code", "1000").counter().count()).isEqualTo(2.0);
    }

    @Test
    void otherTagValuesGiveTheirOwnMeter() {
        closed.withTags("code", "1000").increment();
        closed.withTags("code", "1013").increment();
        closed.withTags("code", "1013").increment();

        assertThat(registry.get("closed").tag("code", "1000").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("closed").tag("code", "1013").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("closed").counters()).hasSize(2);
    }

    @Test
    void tagKeysTakePartInTheLookup() {
        assertThat(closed.withTags("code", "x")).isNotSameAs(closed.withTags("reason", "x"));
    }
}
