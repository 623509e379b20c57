package dev.roomcast.examples.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The latest value of every series at one step of the feed: what a {@code tick} and a
 * {@code snapshot} carry. Immutable; the feed publishes a new one per step.
 *
 * @param seq    the step, from 0 (the opening values) up by one per tick
 * @param atMs   when the step was taken, in milliseconds since the epoch
 * @param names  the series, in the feed's order
 * @param values the value of each of {@code names}, same order
 */
public record Tick(long seq, long atMs, List<String> names, double[] values) {
    public Tick {
        names = List.copyOf(names);
        values = values.clone();
        if (names.size() != values.length) {
            throw new IllegalArgumentException("values: expected " + names.size() + " but was " + values.length);
        }
    }

    /** The value of {@code series}; throws if the feed has no such series. */
    public double value(String series) {
        int at = names.indexOf(Objects.requireNonNull(series, "series"));
        if (at < 0) {
            throw new IllegalArgumentException("series: expected one of " + names + " but was " + series);
        }
        return values[at];
    }

    /** The wire payload: {@code {"seq":…,"at":…,"values":{"EURUSD":1.08512,…}}}. */
    public ObjectNode toPayload(ObjectMapper mapper) {
        ObjectNode payload = mapper.createObjectNode().put("seq", seq).put("at", atMs);
        ObjectNode byName = payload.putObject("values");
        for (int i = 0; i < values.length; i++) {
            byName.put(names.get(i), values[i]);
        }
        return payload;
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tick t && t.seq == seq && t.atMs == atMs && t.names.equals(names) && Arrays.equals(t.values, values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, atMs, names, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "Tick[seq=" + seq + ", atMs=" + atMs + ", " + names.size() + " series]";
    }
}
