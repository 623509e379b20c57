package dev.roomcast.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DrainPlanTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration WINDOW = Duration.ofSeconds(10);

    private static DrainPlan plan(int members, int batches, double spread, long seed) {
        return DrainPlan.of(members, DEADLINE, batches, spread, WINDOW, new SplittableRandom(seed));
    }

    @Test
    void batchesStartAtEvenIntervalsWithJitterOfAtMostHalfASlotWithinTheSpread() {
        for (long seed = 0; seed < 200; seed++) {
            DrainPlan p = plan(1_000, 10, 0.5, seed);
            long slot = DEADLINE.toNanos() / 2 / 10;
            assertThat(p.batchCount()).isEqualTo(10);
            assertThat(p.batchStart(0)).isZero();
            for (int b = 1; b < 10; b++) {
                assertThat(p.batchStart(b).toNanos()).as("seed %d batch %d", seed, b)
                        .isBetween(b * slot, b * slot + slot / 2);
            }
        }
    }

    @Test
    void membersAreSplitIntoBatchesOfNearlyEqualSizeInShuffledOrder() {
        DrainPlan p = plan(55, 10, 0.5, 7);
        int[] sizes = new int[p.batchCount()];
        IntStream.range(0, 55).forEach(m -> sizes[p.batchOf(m)]++);
        assertThat(Arrays.stream(sizes).min().orElseThrow()).isEqualTo(5);
        assertThat(Arrays.stream(sizes).max().orElseThrow()).isEqualTo(6);
        int[] inOrder = IntStream.range(0, 55).map(p::batchOf).toArray();
        assertThat(inOrder).as("not simply the first members first").isNotEqualTo(IntStream.of(inOrder).sorted().toArray());
    }

    @Test
    void reconnectHintsFallBetweenTheBatchStartAndTheWindowAfterIt() {
        DrainPlan p = plan(5_000, 10, 0.5, 11);
        for (int m = 0; m < 5_000; m++) {
            long start = Math.ceilDiv(p.batchStart(p.batchOf(m)).toNanos(), 1_000_000L);
            assertThat(p.reconnectAfterMs(m)).as("member %d", m).isBetween(start, start + WINDOW.toMillis());
        }
        // Spread over the whole window, not bunched: every tenth of it holds between 5% and 15% of the jitter.
        int[] tenths = new int[10];
        for (int m = 0; m < 5_000; m++) {
            long start = Math.ceilDiv(p.batchStart(p.batchOf(m)).toNanos(), 1_000_000L);
            tenths[(int) Math.min(9, (p.reconnectAfterMs(m) - start) * 10 / WINDOW.toMillis())]++;
        }
        assertThat(IntStream.of(tenths).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(250, 750));
    }

    @Test
    void oneBatchClosesEveryoneAtOnceAndAZeroWindowHintsTheCloseTime() {
        DrainPlan p = DrainPlan.of(20, DEADLINE, 1, 0.5, Duration.ZERO, new SplittableRandom(3));
        assertThat(p.batchCount()).isEqualTo(1);
        assertThat(p.batchStart(0)).isZero();
        IntStream.range(0, 20).forEach(m -> {
            assertThat(p.batchOf(m)).isZero();
            assertThat(p.reconnectAfterMs(m)).isZero();
        });
    }

    @Test
    void fewerMembersThanBatchesUseOneBatchEach() {
        DrainPlan p = plan(3, 10, 0.5, 5);
        assertThat(p.batchCount()).isEqualTo(3);
        assertThat(IntStream.range(0, 3).map(p::batchOf).sorted().toArray()).containsExactly(0, 1, 2);
        assertThat(plan(0, 10, 0.5, 5).batchCount()).isEqualTo(1);
    }

    @Test
    void theSameSeedGivesTheSamePlan() {
        DrainPlan a = plan(100, 10, 0.8, 42);
        DrainPlan b = plan(100, 10, 0.8, 42);
        for (int m = 0; m < 100; m++) {
            assertThat(a.batchOf(m)).isEqualTo(b.batchOf(m));
            assertThat(a.reconnectAfterMs(m)).isEqualTo(b.reconnectAfterMs(m));
        }
    }

    @Test
    void argumentsOutsideTheirRangeAreRefused() {
        SplittableRandom r = new SplittableRandom(1);
        assertThatThrownBy(() -> DrainPlan.of(1, DEADLINE, 0, 0.5, WINDOW, r)).hasMessageContaining("batches: expected >= 1 but was 0");
        assertThatThrownBy(() -> DrainPlan.of(1, DEADLINE, 1, 0, WINDOW, r)).hasMessageContaining("spread: expected a share in (0, 1] but was 0.0");
        assertThatThrownBy(() -> DrainPlan.of(1, Duration.ZERO, 1, 1, WINDOW, r)).hasMessageContaining("deadline");
        assertThatThrownBy(() -> DrainPlan.of(1, DEADLINE, 1, 1, Duration.ofMillis(-1), r)).hasMessageContaining("reconnectWindow");
    }
}
