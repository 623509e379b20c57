package dev.roomcast.observability;

import dev.roomcast.core.HubStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The hub's current load as gauges read at scrape time: connections, rooms, registrations, queued
 * broadcast jobs, and the members-per-room distribution (rooms by member-count band, and the largest
 * room). The distribution walks every room, so it is computed at most once a second, whatever the
 * number of gauges and scrapes.
 */
public final class HubGauges implements MeterBinder {
    /** Member-count bands of {@link RoomcastMeter#ROOMS_BY_MEMBERS}: upper bounds, inclusive. */
    private static final List<Band> BANDS = List.of(new Band("1", 1), new Band("2-10", 10), new Band("11-100", 100),
            new Band("101-1000", 1_000), new Band("1001+", Integer.MAX_VALUE));
    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Band(String label, int upTo) {
    }

    /** Rooms per band and the largest room, as of {@code takenNanos}. */
    private record Sizes(long takenNanos, int[] roomsPerBand, int largest) {
    }

    private final HubStats stats;
    private volatile Sizes sizes;

    public HubGauges(HubStats stats) {
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, RoomcastMeter.CONNECTIONS_ACTIVE, s -> s.activeConnectionCount());
        gauge(registry, RoomcastMeter.ROOMS_ACTIVE, s -> s.activeRoomCount());
        gauge(registry, RoomcastMeter.ROOM_REGISTRATIONS, s -> s.registrationCount());
        gauge(registry, RoomcastMeter.BROADCAST_JOBS_QUEUED, s -> s.queuedBroadcastJobs());
        for (int i = 0; i < BANDS.size(); i++) {
            int band = i;
            Gauge.builder(RoomcastMeter.ROOMS_BY_MEMBERS.meterName(), this, g -> g.sizes().roomsPerBand()[band])
                    .description(RoomcastMeter.ROOMS_BY_MEMBERS.help())
                    .tag("members", BANDS.get(i).label())
                    .register(registry);
        }
        Gauge.builder(RoomcastMeter.ROOM_MEMBERS_MAX.meterName(), this, g -> g.sizes().largest())
                .description(RoomcastMeter.ROOM_MEMBERS_MAX.help())
                .register(registry);
    }

    private void gauge(MeterRegistry registry, RoomcastMeter meter, ToDoubleFunction<HubStats> value) {
        Gauge.builder(meter.meterName(), stats, value).description(meter.help()).register(registry);
    }

    private Sizes sizes() {
        Sizes current = sizes;
        long now = System.nanoTime();
        if (current != null && now - current.takenNanos() < SNAPSHOT_NANOS) {
            return current;
        }
        int[] perBand = new int[BANDS.size()];
        int[] largest = {0};
        stats.roomMemberCounts().forEach(members -> {
            for (int b = 0; b < BANDS.size(); b++) {
                if (members <= BANDS.get(b).upTo()) {
                    perBand[b]++;
                    break;
                }
            }
            largest[0] = Math.max(largest[0], members);
        });
        Sizes fresh = new Sizes(now, perBand, largest[0]);
        sizes = fresh;
        return fresh;
    }
}
