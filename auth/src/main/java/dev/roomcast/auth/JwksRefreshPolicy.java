package dev.roomcast.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link JwksKeySource} keeps its cached key set fresh.
 *
 * @param cacheTtl           how long a fetched set is used before it is fetched again (on the next
 *                           token), so added and removed keys are picked up; default 5 min
 * @param minRefetchInterval the shortest time between two fetches, whatever triggers them; bounds the
 *                           requests a stream of unknown {@code kid}s can cause; default 30 s
 * @param fetchTimeout       the longest one fetch may take, from connecting to the last byte of the body; default 5 s
 */
public record JwksRefreshPolicy(Duration cacheTtl, Duration minRefetchInterval, Duration fetchTimeout) {

    public JwksRefreshPolicy {
        positive("cacheTtl", cacheTtl);
        positive("minRefetchInterval", minRefetchInterval);
        positive("fetchTimeout", fetchTimeout);
        if (minRefetchInterval.compareTo(cacheTtl) > 0) {
            throw new IllegalArgumentException("minRefetchInterval: expected at most cacheTtl (" + cacheTtl
                    + ") but was " + minRefetchInterval);
        }
    }

    /** 5 min TTL, 30 s minimum refetch interval, 5 s fetch timeout. */
    public static JwksRefreshPolicy defaults() {
        return new JwksRefreshPolicy(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    /** A policy with the given TTL and refetch interval and the default fetch timeout. */
    public static JwksRefreshPolicy of(Duration cacheTtl, Duration minRefetchInterval) {
        return new JwksRefreshPolicy(cacheTtl, minRefetchInterval, defaults().fetchTimeout());
    }

    private static void positive(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + ": expected a positive duration but was " + value);
        }
    }
}
