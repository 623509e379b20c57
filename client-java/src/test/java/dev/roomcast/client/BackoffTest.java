package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Exponential backoff with full jitter: its ceilings, its bounds and its spread. */
class BackoffTest {
    private final Backoff backoff = Backoff.of(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);

    @Test
    void theCeilingGrowsByTheMultiplierUntilItReachesMax() {
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(1600));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.ceiling(10_000)).as("no overflow far past the cap").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void everyDelayLiesBetweenZeroAndItsCeiling() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        for (int attempt = 0; attempt < 12; attempt++) {
            for (int i = 0; i < 1_000; i++) {
                Duration d = backoff.delay(attempt, random);
                assertThat(d).isBetween(Duration.ZERO, backoff.ceiling(attempt));
            }
        }
    }

    @Test
    void fullJitterSpreadsDelaysOverTheWholeWindow() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        long ceiling = backoff.ceiling(3).toNanos();
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        int inLowerHalf = 0;
        for (int i = 0; i < 2_000; i++) {
            long d = backoff.delay(3, random).toNanos();
            smallest = Math.min(smallest, d);
            largest = Math.max(largest, d);
            inLowerHalf += d < ceiling / 2 ? 1 : 0;
        }
        assertThat(smallest).isLessThan(ceiling / 20);
        assertThat(largest).isGreaterThan(ceiling - ceiling / 20);
        assertThat(inLowerHalf).isBetween(850, 1150);
    }

    @Test
    void theRandomSourceDecidesTheDelaySoASeededOneRepeats() {
        assertThat(backoff.delay(2, seeded())).isEqualTo(backoff.delay(2, seeded()));
    }

    private static RandomGenerator seeded() {
        return new java.util.SplittableRandom(42);
    }

    @Test
    void aMultiplierOfOneKeepsTheCeilingAtMin() {
        Backoff flat = Backoff.of(Duration.ofMillis(50), Duration.ofSeconds(1), 1.0);
        assertThat(flat.ceiling(20)).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void maxEqualToMinIsAcceptedAndMaxBelowMinIsRefused() {
        assertThat(Backoff.of(Duration.ofMillis(10), Duration.ofMillis(10), 2).ceiling(3)).isEqualTo(Duration.ofMillis(10));
        assertThatThrownBy(() -> Backoff.of(Duration.ofMillis(10), Duration.ofMillis(9), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected >= min");
    }

    @Test
    void aZeroMinAndAMultiplierBelowOneAreRefused() {
        assertThatThrownBy(() -> Backoff.of(Duration.ZERO, Duration.ofSeconds(1), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min: expected > 0");
        assertThatThrownBy(() -> Backoff.of(Duration.ofMillis(1), Duration.ofSeconds(1), 0.99))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> backoff.ceiling(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
