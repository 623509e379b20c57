package dev.roomcast.examples.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Hub;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side publisher: a simulation of {@link DashboardSettings#series()} that takes one step
 * {@link DashboardSettings#ticksPerSecond()} times a second and broadcasts each step to the
 * {@value #FEED_NAME} room as a {@code tick} carrying the latest value of <em>every</em> series and
 * a {@code seq} one higher than the last. When a series has moved {@link DashboardSettings#alertPercent()}
 * from its last alert level, an {@code alert} goes to the {@value #ALERTS_NAME} room.
 *
 * <p><b>Why every tick carries every series.</b> The feed room drops frames for a viewer whose queue
 * is full ({@code SendBehavior.DROP}), so a viewer may miss any tick. Because each tick supersedes
 * all earlier ones, a missed tick costs nothing once a later one arrives: a viewer's values are never
 * older than the newest tick it received, and a slow viewer is back to the feed's latest values with
 * the first tick enqueued after its queue has room again (at most one step later, while the feed runs).
 *
 * <p>It publishes through the {@link Hub} on its own platform thread, so no client connection and
 * no inbound rate limit is involved. A broadcast to the feed room never waits (under DROP nothing
 * does); alerts are offered under the connections' {@code BLOCK}, which never stalls this thread
 * either (the hub leaves the waiting to a lane).
 *
 * <p>States: <em>new</em>, <em>running</em> ({@link #start}), <em>stopped</em> ({@link #stop},
 * idempotent; a stopped feed cannot be restarted).
 */
public final class Feed {
    /** Name of the room the ticks go to. */
    public static final String FEED_NAME = "feed";
    /** Name of the room the alerts go to. */
    public static final String ALERTS_NAME = "alerts";
    /** The room the ticks go to ({@code SendBehavior.DROP}). */
    public static final RoomName FEED = RoomName.of(FEED_NAME);
    /** The room the alerts go to ({@code SendBehavior.BLOCK}). */
    public static final RoomName ALERTS = RoomName.of(ALERTS_NAME);

    private static final Logger log = LoggerFactory.getLogger(Feed.class);

    private final Hub hub;
    private final EnvelopeCodec codec;
    private final Clock clock;
    private final DashboardSettings settings;
    private final LatestValues latest;
    private final List<String> names;

    /** Owned by the feed's thread (the timer), after {@link #start}: the simulation's state. */
    private final SplittableRandom random;
    private final double[] values;
    private final double[] alertLevels;
    private long seq;

    /** Ticks the hub refused as a whole (stopped, or its job queue full); read by anyone. */
    private final AtomicLong refusedTicks = new AtomicLong();
    /** Guards start and stop. */
    private final ReentrantLock lifecycle = new ReentrantLock();
    /** Set by start, under {@link #lifecycle}. */
    private ScheduledExecutorService timer;
    private boolean stopped;

    /**
     * A feed that is not running yet; its opening values are in {@code latest} at once.
     *
     * @param latest where each step is published for {@link SnapshotOnJoin}; set here to the opening values
     */
    public Feed(Hub hub, EnvelopeCodec codec, Clock clock, DashboardSettings settings, LatestValues latest) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.latest = Objects.requireNonNull(latest, "latest");
        this.names = settings.series().stream().map(Series::name).toList();
        this.random = settings.seed().map(SplittableRandom::new).orElseGet(SplittableRandom::new);
        this.values = settings.series().stream().mapToDouble(Series::open).toArray();
        this.alertLevels = values.clone();
        latest.set(opening(names, values, clock));
    }

    /** The tick before the first step: {@code seq} 0 and every series at its opening value. */
    static Tick opening(DashboardSettings settings, Clock clock) {
        return opening(settings.series().stream().map(Series::name).toList(),
                settings.series().stream().mapToDouble(Series::open).toArray(), clock);
    }

    private static Tick opening(List<String> names, double[] values, Clock clock) {
        return new Tick(0, clock.now().toEpochMilli(), names, values);
    }

    /** Starts stepping at the configured rate on a thread of its own. Idempotent; refused after {@link #stop}. */
    public void start() {
        lifecycle.lock();
        try {
            if (stopped) {
                throw new IllegalStateException("the feed was stopped; a stopped feed cannot be restarted");
            }
            if (timer != null) {
                return;
            }
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dashboard-feed");
                t.setDaemon(true); // the server's shutdown hook stops it; it must never keep the JVM alive alone
                return t;
            });
            long periodNanos = TimeUnit.SECONDS.toNanos(1) / settings.ticksPerSecond();
            // Fixed rate: a step that runs late is followed by the next one sooner, so the rate holds on average.
            timer.scheduleAtFixedRate(this::stepSafely, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Stops stepping; the latest values stay readable. Idempotent; waits up to a second for a step in progress. */
    public void stop() {
        ScheduledExecutorService running;
        lifecycle.lock();
        try {
            stopped = true;
            running = timer;
        } finally {
            lifecycle.unlock();
        }
        if (running != null) {
            running.shutdownNow();
            try {
                running.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The latest step (the opening values before the first). */
    public Tick latest() {
        return latest.get();
    }

    /** Ticks the hub refused as a whole so far (it was stopping, or its job queue was full). */
    public long refusedTicks() {
        return refusedTicks.get();
    }

    /**
     * Broadcasts an {@code alert} about {@code series} to the alerts room. The feed calls it when a
     * series crosses its threshold; an operator's tooling may call it too. Does not wait for the
     * delivery: the returned future completes with what happened at each viewer's queue.
     */
    public CompletableFuture<BroadcastResult> alert(String series, double value, double changePercent) {
        ObjectNode payload = codec.mapper().createObjectNode()
                .put("series", series).put("value", value).put("changePercent", round(changePercent, 2))
                .put("seq", latest.get().seq()).put("at", clock.now().toEpochMilli());
        return hub.broadcastRoom(ALERTS, Envelope.toRoom("alert", ALERTS, payload), Optional.empty());
    }

    /** One step, never throwing: a scheduled task that throws is never run again. */
    private void stepSafely() {
        try {
            step();
        } catch (RuntimeException e) {
            log.warn("a feed step failed; the next one runs as scheduled", e);
        }
    }

    /** Moves every series one random step, publishes the tick, then raises the alerts it caused. On the feed's thread. */
    void step() {
        for (int i = 0; i < values.length; i++) {
            double sigma = settings.series().get(i).volatility();
            double next = values[i] * (1 + sigma * random.nextGaussian());
            // Rounded as prices are quoted; never zero or below, as the alert levels divide by it.
            values[i] = Math.max(round(next, next < 10 ? 5 : 2), 0.00001);
        }
        seq++;
        Tick tick = new Tick(seq, clock.now().toEpochMilli(), names, values);
        latest.set(tick);
        // snippet:dashboard-tick
        Envelope envelope = Envelope.toRoom("tick", FEED, tick.toPayload(codec.mapper()));
        hub.broadcastRoom(FEED, envelope, Optional.empty()).thenAccept(result -> {
            if (result.rejected().isPresent()) {
                refusedTicks.incrementAndGet(); // the next tick supersedes it anyway
            }
        });
        // end-snippet
        for (int i = 0; i < values.length; i++) {
            double change = (values[i] - alertLevels[i]) / alertLevels[i] * 100;
            if (Math.abs(change) >= settings.alertPercent()) {
                alertLevels[i] = values[i];
                alert(names.get(i), values[i], change);
            }
        }
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
