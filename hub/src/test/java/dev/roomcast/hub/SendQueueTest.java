package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.Frame;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SendQueueTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    private final AtomicInteger wakes = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void joinThreads() throws InterruptedException {
        for (Thread t : threads) {
            t.join(RecordingPeer.WAIT.toMillis());
            assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
        }
    }

    // ---- capacity: at the limit and one over, for each behaviour --------------------------------

    @ParameterizedTest
    @EnumSource(SendBehavior.class)
    void queueTakesExactlyCapacityFramesWhateverTheBehavior(SendBehavior behavior) {
        SendQueue queue = queue(3, behavior, Duration.ofMillis(50));

        for (int i = 0; i < 3; i++) {
            assertThat(queue.offer(frame(i), true)).isEqualTo(SendResult.ENQUEUED);
        }

        assertThat(queue.size()).isEqualTo(3);
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("0", "1", "2");
    }

    @Test
    void dropBehaviorDropsTheFrameOneOverCapacity() {
        SendQueue queue = queue(2, SendBehavior.DROP, LONG);
        queue.offer(frame(0), true);
        queue.offer(frame(1), true);

        assertThat(queue.offer(frame(2), true)).isEqualTo(SendResult.DROPPED);

        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("0", "1");
        assertThat(queue.isClosed()).isFalse();
    }

    @Test
    void closeBehaviorAnswersClosedSlowOneOverCapacity() {
        SendQueue queue = queue(2, SendBehavior.CLOSE, LONG);
        queue.offer(frame(0), true);
        queue.offer(frame(1), true);

        assertThat(queue.offer(frame(2), true)).isEqualTo(SendResult.CLOSED_SLOW);

        // closing the connection is the caller's job; the queue keeps what it had
        assertThat(queue.isClosed()).isFalse();
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("0", "1");
    }

    @Test
    void blockBehaviorTimesOutAfterTheSendTimeoutWhenNoSpaceFrees() {
        Duration timeout = Duration.ofMillis(100);
        SendQueue queue = queue(1, SendBehavior.BLOCK, timeout);
        queue.offer(frame(0), true);

        long started = System.nanoTime();
        SendResult result = queue.offer(frame(1), true);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertThat(result).isEqualTo(SendResult.TIMED_OUT);
        assertThat(waited).isGreaterThanOrEqualTo(timeout);
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("0");
    }

    @Test
    void blockBehaviorSucceedsWhenSpaceFreesWithinTheTimeout() throws Exception {
        SendQueue queue = queue(1, SendBehavior.BLOCK, LONG);
        queue.offer(frame(0), true);
        CountDownLatch offering = new CountDownLatch(1);
        CompletableFuture<SendResult> blocked = new CompletableFuture<>();
        Thread sender = start("sender", () -> {
            offering.countDown();
            blocked.complete(queue.offer(frame(1), true));
        });
        assertThat(offering.await(5, TimeUnit.SECONDS)).isTrue();
        awaitWaiting(sender);
        assertThat(blocked).isNotDone();

        List<Frame> first = new ArrayList<>();
        assertThat(queue.drainTo(first, 1, Long.MAX_VALUE)).isEqualTo(1);

        assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo(SendResult.ENQUEUED);
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("1");
    }

    @Test
    void blockBehaviorFailsAtOnceWhenTheCallerMayNotBlock() {
        SendQueue queue = queue(1, SendBehavior.BLOCK, LONG);
        queue.offer(frame(0), true);

        CompletableFuture<SendResult> result = CompletableFuture.supplyAsync(() -> queue.offer(frame(1), false));

        // a wait would last 30 s; the answer comes long before
        assertThat(result).succeedsWithin(RecordingPeer.WAIT).isEqualTo(SendResult.TIMED_OUT);
        assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    void callerThatMayNotBlockStillEnqueuesWhenThereIsSpace() {
        SendQueue queue = queue(1, SendBehavior.BLOCK, LONG);

        assertThat(queue.offer(frame(0), false)).isEqualTo(SendResult.ENQUEUED);
    }

    // ---- tryOffer ------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(SendBehavior.class)
    void tryOfferRefusesWhenFullWithoutApplyingTheBehavior(SendBehavior behavior) {
        SendQueue queue = queue(1, behavior, LONG);
        assertThat(queue.tryOffer(frame(0))).isTrue();

        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> queue.tryOffer(frame(1)));

        assertThat(second).succeedsWithin(RecordingPeer.WAIT).isEqualTo(false); // no 30 s BLOCK wait
        assertThat(queue.isClosed()).isFalse();
        assertThat(queue.offer(frame(2), false)).isNotEqualTo(SendResult.NOT_OPEN); // still open after a refused tryOffer
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("0");
    }

    // ---- waking the writer ---------------------------------------------------------------------

    @Test
    void writerIsWokenOncePerTransitionFromIdleToNonEmpty() {
        SendQueue queue = queue(10, SendBehavior.DROP, LONG);

        queue.offer(frame(0), true);
        queue.tryOffer(frame(1));
        queue.offer(frame(2), true);
        assertThat(wakes).hasValue(1);

        // the writer took frames but has not yet seen the queue empty: still scheduled, no new wake
        List<Frame> out = new ArrayList<>();
        assertThat(queue.drainTo(out, 10, Long.MAX_VALUE)).isEqualTo(3);
        queue.offer(frame(3), true);
        assertThat(wakes).hasValue(1);

        // the writer finds it empty only after taking frame 3 and asking again: now idle
        assertThat(queue.drainTo(out, 10, Long.MAX_VALUE)).isEqualTo(1);
        assertThat(queue.drainTo(out, 10, Long.MAX_VALUE)).isZero();
        assertThat(wakes).hasValue(1);

        queue.tryOffer(frame(4));
        queue.offer(frame(5), true);
        assertThat(wakes).hasValue(2);
    }

    @Test
    void refusedOffersDoNotWakeTheWriter() {
        SendQueue queue = queue(1, SendBehavior.DROP, LONG);
        queue.offer(frame(0), true);
        drainAll(queue); // idle again after one wake

        queue.close();
        queue.offer(frame(1), true);
        queue.tryOffer(frame(2));

        assertThat(wakes).hasValue(1);
    }

    @Test
    void writerIsWokenOutsideTheQueueLock() throws Exception {
        AtomicReference<SendQueue> self = new AtomicReference<>();
        CompletableFuture<Integer> drainedFromAnotherThread = new CompletableFuture<>();
        SendQueue queue = new SendQueue(4, SendBehavior.DROP, LONG, () -> {
            // if the queue's lock were held here, another thread could not drain until wake returns
            Thread other = Thread.ofPlatform().start(() ->
                    drainedFromAnotherThread.complete(self.get().drainTo(new ArrayList<>(), 4, Long.MAX_VALUE)));
            try {
                other.join(RecordingPeer.WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        self.set(queue);

        queue.offer(frame(0), true);

        assertThat(drainedFromAnotherThread).isCompletedWithValue(1);
    }

    // ---- drainTo -------------------------------------------------------------------------------

    @Test
    void drainToTakesAtMostMaxFrames() {
        SendQueue queue = queue(10, SendBehavior.DROP, LONG);
        for (int i = 0; i < 5; i++) {
            queue.offer(frame(i), true);
        }

        List<Frame> out = new ArrayList<>();
        assertThat(queue.drainTo(out, 3, Long.MAX_VALUE)).isEqualTo(3);

        assertThat(out).extracting(Frame::text).containsExactly("0", "1", "2");
        assertThat(queue.size()).isEqualTo(2);
    }

    @Test
    void drainToStopsBeforeTheFrameThatWouldPassMaxBytes() {
        SendQueue queue = queue(10, SendBehavior.DROP, LONG);
        queue.offer(Frame.ofText("aaaa"), true);
        queue.offer(Frame.ofText("bbbb"), true);
        queue.offer(Frame.ofText("cccc"), true);

        List<Frame> atTheLimit = new ArrayList<>();
        assertThat(queue.drainTo(atTheLimit, 10, 8)).isEqualTo(2); // 4 + 4 = 8: exactly the limit
        List<Frame> oneOver = new ArrayList<>();
        queue.offer(Frame.ofText("dddd"), true);
        assertThat(queue.drainTo(oneOver, 10, 7)).isEqualTo(1); // 4 + 4 = 8 > 7

        assertThat(atTheLimit).extracting(Frame::text).containsExactly("aaaa", "bbbb");
        assertThat(oneOver).extracting(Frame::text).containsExactly("cccc");
    }

    @Test
    void drainToAlwaysTakesTheFirstFrameEvenWhenItIsLargerThanMaxBytes() {
        SendQueue queue = queue(10, SendBehavior.DROP, LONG);
        queue.offer(Frame.ofText("0123456789"), true);
        queue.offer(Frame.ofText("x"), true);

        List<Frame> out = new ArrayList<>();
        assertThat(queue.drainTo(out, 10, 4)).isEqualTo(1);

        assertThat(out).extracting(Frame::text).containsExactly("0123456789");
        assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    void drainingFreesSpaceForTheNextOffer() {
        SendQueue queue = queue(2, SendBehavior.DROP, LONG);
        queue.offer(frame(0), true);
        queue.offer(frame(1), true);
        assertThat(queue.offer(frame(2), true)).isEqualTo(SendResult.DROPPED);

        queue.drainTo(new ArrayList<>(), 1, Long.MAX_VALUE);

        assertThat(queue.offer(frame(3), true)).isEqualTo(SendResult.ENQUEUED);
        assertThat(drainAll(queue)).extracting(Frame::text).containsExactly("1", "3");
    }

    // ---- concurrency: lock-free offers against one writer -----------------------------------------

    /**
     * Four BLOCK senders push through a queue of 8 while one writer drains only when woken: every
     * frame arrives exactly once and in each sender's order, and no wake-up is lost (a lost one
     * would leave frames queued with the writer asleep, and the senders would time out).
     */
    @Test
    void concurrentSendersAndOneWriterLoseNoFrameAndNoWakeUp() throws Exception {
        int senders = 4;
        int perSender = 20_000;
        java.util.concurrent.Semaphore woken = new java.util.concurrent.Semaphore(0);
        SendQueue queue = new SendQueue(8, SendBehavior.BLOCK, LONG, woken::release);
        List<Frame> received = new ArrayList<>();
        Thread writer = start("writer", () -> {
            List<Frame> batch = new ArrayList<>();
            while (received.size() < senders * perSender) {
                try {
                    if (!woken.tryAcquire(10, TimeUnit.SECONDS)) {
                        return; // a lost wake-up: the assertion below reports the shortfall
                    }
                } catch (InterruptedException e) {
                    return;
                }
                while (queue.drainTo(batch, 3, Long.MAX_VALUE) > 0) {
                    received.addAll(batch);
                    batch.clear();
                }
            }
        });
        List<CompletableFuture<Long>> enqueued = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            CompletableFuture<Long> count = new CompletableFuture<>();
            enqueued.add(count);
            start("sender-" + s, () -> {
                long ok = 0;
                for (int i = 0; i < perSender; i++) {
                    if (queue.offer(Frame.ofText(sender + ":" + i), true) == SendResult.ENQUEUED) {
                        ok++;
                    }
                }
                count.complete(ok);
            });
        }
        for (CompletableFuture<Long> count : enqueued) {
            assertThat(count.get(25, TimeUnit.SECONDS)).isEqualTo(perSender);
        }
        writer.join(TimeUnit.SECONDS.toMillis(25));

        assertThat(received).hasSize(senders * perSender);
        int[] nextOf = new int[senders];
        for (Frame f : received) {
            String[] parts = f.text().split(":");
            int sender = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).as("sender %d order", sender).isEqualTo(nextOf[sender]++);
        }
        assertThat(queue.size()).isZero();
    }

    // ---- close ---------------------------------------------------------------------------------

    @Test
    void closeWakesABlockedSenderPromptlyWithNotOpen() throws Exception {
        SendQueue queue = queue(1, SendBehavior.BLOCK, LONG);
        queue.offer(frame(0), true);
        CompletableFuture<SendResult> blocked = new CompletableFuture<>();
        Thread sender = start("sender", () -> blocked.complete(queue.offer(frame(1), true)));
        awaitWaiting(sender);

        queue.close();

        // well before the 30 s send timeout
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo(SendResult.NOT_OPEN);
    }

    @Test
    void closedQueueRefusesFurtherOffersAndDiscardsWhatWasQueued() {
        SendQueue queue = queue(4, SendBehavior.BLOCK, LONG);
        queue.offer(frame(0), true);

        queue.close();
        queue.close(); // idempotent

        assertThat(queue.isClosed()).isTrue();
        assertThat(queue.offer(frame(1), true)).isEqualTo(SendResult.NOT_OPEN);
        assertThat(queue.tryOffer(frame(2))).isFalse();
        assertThat(queue.size()).isZero();
        assertThat(queue.drainTo(new ArrayList<>(), 10, Long.MAX_VALUE)).isZero();
    }

    @Test
    void rejectsANonPositiveCapacity() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> queue(0, SendBehavior.DROP, LONG))
                .withMessage("capacity: expected > 0 but was 0");
    }

    @Test
    void anOfferNamingItsOwnBehaviorAppliesItToAFullQueueInsteadOfTheQueues() {
        SendQueue queue = new SendQueue(1, SendBehavior.BLOCK, LONG, () -> { });
        assertThat(queue.offer(Frame.ofText("a"), 0, SendBehavior.DROP)).isEqualTo(SendResult.ENQUEUED);

        assertThat(queue.offer(Frame.ofText("b"), LONG.toNanos(), SendBehavior.DROP)).isEqualTo(SendResult.DROPPED);
        assertThat(queue.offer(Frame.ofText("c"), LONG.toNanos(), SendBehavior.CLOSE)).isEqualTo(SendResult.CLOSED_SLOW);
        assertThat(queue.offer(Frame.ofText("d"), 0, SendBehavior.BLOCK)).isEqualTo(SendResult.TIMED_OUT);
        assertThat(queue.behavior()).isEqualTo(SendBehavior.BLOCK);
        assertThat(queue.size()).isEqualTo(1);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private SendQueue queue(int capacity, SendBehavior behavior, Duration timeout) {
        return new SendQueue(capacity, behavior, timeout, wakes::incrementAndGet);
    }

    private static Frame frame(int n) {
        return Frame.ofText(Integer.toString(n));
    }

    private static List<Frame> drainAll(SendQueue queue) {
        List<Frame> out = new ArrayList<>();
        while (queue.drainTo(out, Integer.MAX_VALUE, Long.MAX_VALUE) > 0) {
            // until idle
        }
        return out;
    }

    private Thread start(String name, Runnable body) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).start(body);
        threads.add(t);
        return t;
    }

    /** Waits until {@code t} is parked in a timed wait (a BLOCK offer waiting for space). */
    private static void awaitWaiting(Thread t) {
        await().atMost(RecordingPeer.WAIT).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    }
}
