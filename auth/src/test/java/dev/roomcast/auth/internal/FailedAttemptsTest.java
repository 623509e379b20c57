package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAttemptsTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Clock clock = new Clock() {
        @Override
        public Instant now() {
            return Instant.EPOCH.plusNanos(nanos.get());
        }

        @Override
        public long nanoTime() {
            return nanos.get();
        }
    };

    @Test
    void trackedKeysNeverExceedTheCapUnderAFloodOfAddresses() {
        FailedAttempts<String> attempts = new FailedAttempts<>(5, Duration.ofMinutes(1), 100, clock);

        for (int i = 0; i < 10_000; i++) {
            attempts.tryBegin("10.0." + (i / 256) + "." + (i % 256));
        }

        assertThat(attempts.trackedKeys()).isEqualTo(100);
    }

    @Test
    void keysWhoseFailuresLeftTheWindowAreDroppedAsNewAttemptsArrive() {
        FailedAttempts<String> attempts = new FailedAttempts<>(5, Duration.ofMinutes(1), 100, clock);
        for (int i = 0; i < 10; i++) {
            attempts.tryBegin("old-" + i);
        }
        nanos.addAndGet(Duration.ofMinutes(1).toNanos());

        for (int i = 0; i < 10; i++) {
            attempts.tryBegin("new-" + i);
        }

        assertThat(attempts.trackedKeys()).isEqualTo(10);
    }

    @Test
    void slidingWindowReleasesOneAttemptAsTheOldestFailureAgesOut() {
        FailedAttempts<String> attempts = new FailedAttempts<>(2, Duration.ofSeconds(10), 100, clock);
        assertThat(attempts.tryBegin("k")).isTrue();
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(attempts.tryBegin("k")).isTrue();
        assertThat(attempts.isBlocked("k")).isTrue();

        nanos.addAndGet(Duration.ofSeconds(5).toNanos());

        assertThat(attempts.isBlocked("k")).isFalse();
        assertThat(attempts.tryBegin("k")).isTrue();
        assertThat(attempts.tryBegin("k")).isFalse();
    }
}
