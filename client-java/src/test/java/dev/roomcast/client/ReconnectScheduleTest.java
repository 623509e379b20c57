package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reconnect schedule with a hand-run scheduler and a seeded random: against a loopback port where
 * nothing listens, each refused attempt schedules the next after exactly the backoff's jittered delay,
 * and the client gives up after {@code maxReconnectAttempts}. No time passes in the test but the connects'.
 */
@Timeout(30)
class ReconnectScheduleTest {

    /** A scheduler whose tasks run only when the test says. */
    private static final class ManualScheduler implements Scheduler {
        record Task(Duration delay, Runnable run) {
        }

        final LinkedBlockingQueue<Task> scheduled = new LinkedBlockingQueue<>();

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            scheduled.add(new Task(delay, task));
            return () -> { };
        }

        Task next() throws InterruptedException {
            Task t = scheduled.poll(5, TimeUnit.SECONDS);
            if (t == null) {
                throw new AssertionError("expected a scheduled task within 5 s");
            }
            return t;
        }
    }

    @Test
    void eachRefusedAttemptWaitsTheJitteredBackoffOfItsNumberAndTheClientGivesUpAfterTheLimit() throws Exception {
        Backoff backoff = Backoff.of(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0);
        ManualScheduler scheduler = new ManualScheduler();
        Recorder r = new Recorder();
        RoomcastClient client = RoomcastClient.builder(ServerOnPort.uri(ServerOnPort.freePort()))
                .tokenSupplier(() -> "valid:alice").backoff(backoff).maxReconnectAttempts(4)
                .scheduler(scheduler).random(new SplittableRandom(7)).stateListener(r).build();
        SplittableRandom expected = new SplittableRandom(7);

        client.connect();
        List<Duration> delays = new ArrayList<>();
        for (int attempt = 0; attempt < 4; attempt++) {
            ManualScheduler.Task t = scheduler.next();
            delays.add(t.delay());
            assertThat(t.delay()).isEqualTo(backoff.delay(attempt, expected));
            t.run().run(); // the next connect, refused again
        }

        Disconnect why = r.awaitState(ClientState.CLOSED, 0).cause().orElseThrow();
        assertThat(why.terminal()).isTrue();
        assertThat(why.reason()).contains("gave up after 4 reconnect attempts");
        assertThat(delays).hasSize(4);
        assertThat(scheduler.scheduled).isEmpty();
    }
}
