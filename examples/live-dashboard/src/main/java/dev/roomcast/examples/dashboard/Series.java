package dev.roomcast.examples.dashboard;

import java.util.Objects;

/**
 * One simulated instrument of the feed: its name (the key in every {@code tick}), its opening value
 * and how far it moves per tick (the standard deviation of one step, relative to the value).
 *
 * @param name       a short upper-case key such as {@code EURUSD}
 * @param open       the value before the first tick, {@code > 0}
 * @param volatility the relative standard deviation of one tick's step, in {@code (0, 0.1]}
 */
public record Series(String name, double open, double volatility) {
    public Series {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Z0-9]{1,16}")) {
            throw new IllegalArgumentException("name: expected 1 to 16 of A-Z and 0-9 but was '" + name + "'");
        }
        if (!(open > 0) || Double.isInfinite(open)) {
            throw new IllegalArgumentException("open: expected a finite number > 0 but was " + open);
        }
        if (!(volatility > 0) || volatility > 0.1) {
            throw new IllegalArgumentException("volatility: expected (0, 0.1] but was " + volatility);
        }
    }

    /** A series with the given name, opening value and step size. */
    public static Series of(String name, double open, double volatility) {
        return new Series(name, open, volatility);
    }
}
