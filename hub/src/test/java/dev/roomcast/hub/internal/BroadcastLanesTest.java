package dev.roomcast.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lanes have no threads of their own: a virtual thread that submits to an idle lane runs it,
 * anything else hands it to a runner thread; either way one lane runs one job at a time, in order.
 */
@Timeout(30)
class BroadcastLanesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final BroadcastLanes lanes = new BroadcastLanes(2, 64, "lane-test-");

    @AfterEach
    void stop() {
        lanes.stop(1_000);
    }

    @Test
    void aVirtualThreadSubmittingToAnIdleLaneRunsTheJobBeforeSubmitReturns() throws Exception {
        CompletableFuture<Boolean> ranOnCallerBeforeReturn = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            Thread caller = Thread.currentThread();
            List<Thread> ranOn = new ArrayList<>();
            boolean accepted = lanes.submit("room", () -> ranOn.add(Thread.currentThread()), true);
            ranOnCallerBeforeReturn.complete(accepted && ranOn.equals(List.of(caller)));
        });
        assertThat(ranOnCallerBeforeReturn.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCallerThatMayNotRunTheLaneHandsItToARunnerThread() throws Exception {
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        assertThat(lanes.submit("room", () -> ranOn.complete(Thread.currentThread()), false)).isTrue();
        Thread runner = ranOn.get(10, TimeUnit.SECONDS);
        assertThat(runner).isNotSameAs(Thread.currentThread());
        assertThat(runner.isVirtual()).isFalse();
        assertThat(runner.getName()).startsWith("lane-test-");
    }

    @Test
    void oneLaneRunsOneJobAtATimeInEachSubmittersOrder() throws Exception {
        int submitters = 8;
        int perSubmitter = 500;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<List<Integer>> seen = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            seen.add(new CopyOnWriteArrayList<>());
        }
        CountDownLatch done = new CountDownLatch(submitters);
        for (int s = 0; s < submitters; s++) {
            int submitter = s;
            Runnable body = () -> {
                for (int i = 0; i < perSubmitter; i++) {
                    int n = i;
                    while (!lanes.submit("one room", () -> {
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        seen.get(submitter).add(n);
                        inside.decrementAndGet();
                    }, submitter % 2 == 0)) {
                        Thread.yield(); // lane full: try again (yield, so spinning virtual threads leave the carriers to others)
                    }
                }
                done.countDown();
            };
            if (submitter % 2 == 0) {
                Thread.ofVirtual().start(body);
            } else {
                Thread.ofPlatform().daemon(true).start(body);
            }
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        await().atMost(WAIT).until(() -> lanes.queuedJobs() == 0
                && seen.stream().allMatch(l -> l.size() == perSubmitter));
        assertThat(overlaps).hasValue(0);
        for (List<Integer> order : seen) {
            for (int i = 0; i < perSubmitter; i++) {
                assertThat(order.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void aFullLaneRefusesTheJob() throws Exception {
        BroadcastLanes small = new BroadcastLanes(1, 2, "small-");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try {
            assertThat(small.submit("r", () -> {
                started.countDown();
                awaitQuietly(release);
            }, false)).isTrue();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(small.submit("r", () -> { }, false)).isTrue();
            assertThat(small.submit("r", () -> { }, true)).isTrue();
            assertThat(small.submit("r", () -> { }, true)).as("two waiting already").isFalse();
            assertThat(small.queuedJobs()).isEqualTo(2);
        } finally {
            release.countDown();
            small.stop(1_000);
        }
    }

    @Test
    void aCallerRunsAtMostItsBudgetOfJobsThenARunnerTakesTheRest() throws Exception {
        int extra = 2 * BroadcastLanes.INLINE_BUDGET;
        BroadcastLanes lanes = new BroadcastLanes(1, 1024, "budget-"); // room for every job
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        List<Integer> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Thread> caller = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            caller.complete(Thread.currentThread());
            lanes.submit("busy", () -> {
                ranOn.add(Thread.currentThread());
                order.add(-1);
                // while the caller runs this first job, others queue many more on the same lane
                for (int i = 0; i < extra; i++) {
                    int n = i;
                    assertThat(lanes.submit("busy", () -> {
                        ranOn.add(Thread.currentThread());
                        order.add(n);
                    }, false)).isTrue();
                }
            }, true);
        });
        Thread callerThread = caller.get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> order.size() == extra + 1);

        assertThat(ranOn.subList(0, BroadcastLanes.INLINE_BUDGET)).allMatch(t -> t == callerThread);
        assertThat(ranOn.subList(BroadcastLanes.INLINE_BUDGET, extra + 1)).noneMatch(t -> t == callerThread);
        for (int i = 0; i < extra; i++) {
            assertThat(order.get(i + 1)).isEqualTo(i);
        }
        lanes.stop(1_000);
    }

    @Test
    void stopInterruptsARunnerWaitingInAJobAndReturnsPromptly() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        lanes.submit("r", () -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
        }, false);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        lanes.stop(5_000);
        assertThat(interrupted.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(lanes.submit("r", () -> { }, true)).as("refused once stopped").isFalse();
    }

    @Test
    void aCallerThatMustNotWaitRunsTheJobOfAnIdleLaneItselfAndSaysSoToTheJob() {
        List<Thread> ranOn = new ArrayList<>();
        List<Boolean> mustNotWait = new ArrayList<>();
        assertThat(lanes.submitWithoutWaiting("room", () -> {
            ranOn.add(Thread.currentThread());
            mustNotWait.add(lanes.mustNotWait());
        })).isTrue();
        assertThat(ranOn).containsExactly(Thread.currentThread());
        assertThat(mustNotWait).containsExactly(true);
        assertThat(lanes.mustNotWait()).as("only while the job runs").isFalse();
        assertThat(lanes.queuedJobs()).isZero();
    }

    @Test
    void theRestHandedToARunnerRunsBeforeAnyJobQueuedWhileTheLaneWasOwned() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch queuedMeanwhile = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(2);
        CompletableFuture<Thread> restRanOn = new CompletableFuture<>();
        assertThat(lanes.submitWithoutWaiting("room", () -> {
            order.add("first part");
            // Another submitter finds the lane owned and queues its job behind this one.
            Thread.ofPlatform().start(() -> {
                lanes.submit("room", () -> {
                    order.add("later job");
                    done.countDown();
                }, false);
                queuedMeanwhile.countDown();
            });
            awaitQuietly(queuedMeanwhile);
            lanes.continueOnRunner(() -> {
                sleepQuietly(100); // a waiting rest: the later job must still not overtake it
                order.add("rest");
                restRanOn.complete(Thread.currentThread());
                done.countDown();
            });
        })).isTrue();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("first part", "rest", "later job");
        assertThat(restRanOn.get().getName()).startsWith("lane-test-");
    }

    @Test
    void aCallerThatMustNotWaitQueuesItsJobBehindABusyLane() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        lanes.submit("room", () -> {
            started.countDown();
            awaitQuietly(release);
        }, false);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        assertThat(lanes.submitWithoutWaiting("room", () -> ranOn.complete(Thread.currentThread()))).isTrue();
        assertThat(ranOn).as("not run while the lane is busy").isNotDone();
        release.countDown();
        assertThat(ranOn.get(10, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
    }

    @Test
    void aRestHandedOverWhileTheLanesStopIsInterruptedSoTheStopStaysPrompt() throws Exception {
        CompletableFuture<Boolean> restInterrupted = new CompletableFuture<>();
        CompletableFuture<Long> stopMillis = new CompletableFuture<>();
        CountDownLatch stopping = new CountDownLatch(1);
        assertThat(lanes.submitWithoutWaiting("r", () -> {
            Thread.ofPlatform().start(() -> {
                stopping.countDown();
                long t0 = System.nanoTime();
                lanes.stop(5_000); // finds no runner to interrupt: this job's thread is not one
                stopMillis.complete(Duration.ofNanos(System.nanoTime() - t0).toMillis());
            });
            awaitQuietly(stopping);
            sleepQuietly(200); // the stop has set its flag and looked for runners by now
            lanes.continueOnRunner(() -> {
                try {
                    Thread.sleep(60_000); // a BLOCK wait, as the hub's rest would do
                    restInterrupted.complete(false);
                } catch (InterruptedException e) {
                    restInterrupted.complete(true);
                }
            });
        })).isTrue();
        assertThat(restInterrupted.get(10, TimeUnit.SECONDS)).as("the late runner's wait ended at once").isTrue();
        assertThat(stopMillis.get(10, TimeUnit.SECONDS)).isLessThan(3_000L);
    }

    @Test
    void continueOnRunnerOutsideAJobThatMustNotWaitIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lanes.continueOnRunner(() -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
