package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TokenBucketTest {
    private final FakeClock clock = new FakeClock();

    @Test
    void allowsExactlyTheBurstAtOnceThenRefuses() {
        TokenBucket bucket = new TokenBucket(1, 3, clock);

        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isTrue(); // the burst: at the limit
        assertThat(bucket.tryAcquire()).isFalse(); // one over
        assertThat(bucket.tryAcquire()).isFalse(); // a refusal costs nothing and gains nothing
    }

    @Test
    void refillsOneTokenPerIntervalOfTheRate() {
        TokenBucket bucket = new TokenBucket(10, 1, clock); // one token every 100 ms
        assertThat(bucket.tryAcquire()).isTrue();

        clock.advance(Duration.ofMillis(99));
        assertThat(bucket.tryAcquire()).as("after 99 ms").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(bucket.tryAcquire()).as("after 100 ms").isTrue();
        assertThat(bucket.tryAcquire()).as("the refilled token is spent").isFalse();
    }

    @Test
    void refillIsExactEvenWhenPolledManyTimesWithinOneInterval() {
        TokenBucket bucket = new TokenBucket(10, 1, clock);
        assertThat(bucket.tryAcquire()).isTrue();

        // a client retrying every 10 ms must get its token at exactly 100 ms, not one retry later
        for (int i = 1; i < 10; i++) {
            clock.advance(Duration.ofMillis(10));
            assertThat(bucket.tryAcquire()).as("after %d ms", i * 10).isFalse();
        }
        clock.advance(Duration.ofMillis(10));
        assertThat(bucket.tryAcquire()).as("after 100 ms").isTrue();
    }

    @Test
    void sustainedRateMatchesTheConfiguredRateOverManyIntervals() {
        TokenBucket bucket = new TokenBucket(3, 2, clock); // one token every 333.3 ms
        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isTrue(); // empty; the burst cap is never reached again below

        int granted = 0;
        for (int ms = 1; ms <= 60_000; ms++) { // one minute, polled every millisecond
            clock.advance(Duration.ofMillis(1));
            if (bucket.tryAcquire()) {
                granted++;
            }
        }

        assertThat(granted).isEqualTo(180); // 3 per second for 60 s
    }

    @Test
    void neverHoldsMoreThanTheBurst() {
        TokenBucket bucket = new TokenBucket(100, 2, clock);

        clock.advance(Duration.ofHours(1));

        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isFalse();
    }

    @Test
    void refillsToTheBurstAfterAnIdlePeriod() {
        TokenBucket bucket = new TokenBucket(2, 4, clock);
        for (int i = 0; i < 4; i++) {
            assertThat(bucket.tryAcquire()).isTrue();
        }
        assertThat(bucket.tryAcquire()).isFalse();

        clock.advance(Duration.ofSeconds(2)); // 4 tokens at 2 per second

        for (int i = 0; i < 4; i++) {
            assertThat(bucket.tryAcquire()).as("token %d", i).isTrue();
        }
        assertThat(bucket.tryAcquire()).isFalse();
    }

    @Test
    void rejectsANonPositiveRateOrBurst() {
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(0, 1, clock))
                .withMessage("token bucket: expected rate > 0 and burst > 0 but was 0.0 and 1");
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(1, 0, clock))
                .withMessage("token bucket: expected rate > 0 and burst > 0 but was 1.0 and 0");
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(Double.NaN, 1, clock));
    }

    @Test
    void concurrentCallersTogetherGetExactlyTheBurst() throws InterruptedException {
        int burst = 2_000;
        int threads = 4;
        for (int round = 0; round < 20; round++) {
            TokenBucket bucket = new TokenBucket(1, burst, clock); // the clock stands still: the burst is all there is
            AtomicInteger granted = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                started.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < burst; i++) { // together they ask for twice the burst, all while contending
                        if (bucket.tryAcquire()) {
                            granted.incrementAndGet();
                        }
                    }
                }));
            }

            start.countDown();
            for (Thread t : started) {
                t.join(5_000);
            }

            assertThat(granted.get()).as("round %d: tokens granted to %d threads", round, threads).isEqualTo(burst);
        }
    }

    @Test
    void keepsNoLockObjectOfItsOwn() {
        // Two buckets per connection: a lock object each would add about 48 bytes to every connection.
        for (Field field : TokenBucket.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                assertThat(Lock.class.isAssignableFrom(field.getType())).as("field %s is a lock", field.getName()).isFalse();
            }
        }
    }
}
