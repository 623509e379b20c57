package dev.roomcast.examples.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The dashboard's own settings, beside {@link dev.roomcast.core.RoomcastConfig}: what the feed
 * simulates and how fast.
 *
 * @param ticksPerSecond how many {@code tick} events the feed broadcasts per second ({@code ROOMCAST_FEED_RATE},
 *                       default {@value #DEFAULT_TICKS_PER_SECOND}); 1 to 1000
 * @param series         the instruments, each carried in every tick; 1 to {@value #MAX_SERIES}, names unique
 * @param alertPercent   how far (in percent) a series must move from its last alert level before an {@code alert}
 *                       is broadcast to the {@code alerts} room ({@code ROOMCAST_ALERT_PERCENT}, default 1)
 * @param seed           the simulation's random seed, for a repeatable run; empty: a fresh one
 */
public record DashboardSettings(int ticksPerSecond, List<Series> series, double alertPercent, Optional<Long> seed) {
    /** The feed rate of the example: 50 updates per second. */
    public static final int DEFAULT_TICKS_PER_SECOND = 50;
    /** Most series one feed may carry (every tick holds all of them, so this bounds a tick's size: about 30 bytes each). */
    public static final int MAX_SERIES = 2_000;

    /** The six instruments of the example. */
    public static final List<Series> DEFAULT_SERIES = List.of(
            Series.of("EURUSD", 1.0850, 0.0001),
            Series.of("GBPUSD", 1.2710, 0.0001),
            Series.of("BTCUSD", 67_000, 0.0004),
            Series.of("ETHUSD", 3_500, 0.0005),
            Series.of("GOLD", 2_350, 0.0002),
            Series.of("SP500", 5_200, 0.00015));

    public DashboardSettings {
        if (ticksPerSecond < 1 || ticksPerSecond > 1000) {
            throw new IllegalArgumentException("ticksPerSecond: expected 1..1000 but was " + ticksPerSecond);
        }
        series = List.copyOf(series);
        if (series.isEmpty() || series.size() > MAX_SERIES) {
            throw new IllegalArgumentException("series: expected 1.." + MAX_SERIES + " but was " + series.size());
        }
        if (series.stream().map(Series::name).distinct().count() != series.size()) {
            throw new IllegalArgumentException("series: expected unique names but some repeat");
        }
        if (!(alertPercent > 0) || alertPercent > 100) {
            throw new IllegalArgumentException("alertPercent: expected (0, 100] but was " + alertPercent);
        }
        Objects.requireNonNull(seed, "seed");
    }

    /** The example's defaults: 50 ticks/s of the six {@link #DEFAULT_SERIES}, alerts at 1 %, a fresh seed. */
    public static DashboardSettings defaults() {
        return new DashboardSettings(DEFAULT_TICKS_PER_SECOND, DEFAULT_SERIES, 1.0, Optional.empty());
    }

    /** These settings with another feed rate. */
    public DashboardSettings withTicksPerSecond(int value) {
        return new DashboardSettings(value, series, alertPercent, seed);
    }

    /**
     * These settings with {@code count} series: the first of {@link #DEFAULT_SERIES}, then generated
     * ones named {@code S0007}, {@code S0008}, ... ({@code ROOMCAST_FEED_SERIES}; more series make every tick larger).
     */
    public DashboardSettings withSeriesCount(int count) {
        List<Series> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(i < DEFAULT_SERIES.size() ? DEFAULT_SERIES.get(i)
                    : Series.of(String.format("S%04d", i + 1), 100 + i, 0.0002));
        }
        return new DashboardSettings(ticksPerSecond, list, alertPercent, seed);
    }

    /** These settings with another alert threshold. */
    public DashboardSettings withAlertPercent(double value) {
        return new DashboardSettings(ticksPerSecond, series, value, seed);
    }

    /** These settings with a fixed random seed. */
    public DashboardSettings withSeed(long value) {
        return new DashboardSettings(ticksPerSecond, series, alertPercent, Optional.of(value));
    }
}
