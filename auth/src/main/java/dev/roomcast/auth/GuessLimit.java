package dev.roomcast.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * How many wrong room passwords one client address may try for one room before it is throttled,
 * used by {@link PasswordRoomAuthorizer}. After {@code maxFailures} wrong passwords within
 * {@code window}, further attempts for that room from that address are answered
 * {@code RATE_LIMITED} without checking the password, until the oldest of those failures is
 * {@code window} old.
 *
 * @param maxFailures     wrong passwords allowed per room and address within the window; default 5
 * @param window          the sliding window; default 1 min
 * @param maxTrackedKeys  room+address pairs remembered at once, least recently used forgotten first,
 *                        so memory stays bounded under a flood of addresses; default 10,000
 */
public record GuessLimit(int maxFailures, Duration window, int maxTrackedKeys) {

    public GuessLimit {
        Objects.requireNonNull(window, "window");
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures: expected at least 1 but was " + maxFailures);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window: expected a positive duration but was " + window);
        }
        if (maxTrackedKeys < 1) {
            throw new IllegalArgumentException("maxTrackedKeys: expected at least 1 but was " + maxTrackedKeys);
        }
    }

    /** 5 failures per minute, 10,000 tracked pairs. */
    public static GuessLimit defaults() {
        return new GuessLimit(5, Duration.ofMinutes(1), 10_000);
    }

    /** {@code maxFailures} per {@code window}, with the default number of tracked pairs. */
    public static GuessLimit of(int maxFailures, Duration window) {
        return new GuessLimit(maxFailures, window, defaults().maxTrackedKeys());
    }
}
