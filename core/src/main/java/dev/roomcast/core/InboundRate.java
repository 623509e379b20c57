package dev.roomcast.core;

/**
 * How many messages one connection's client may send: {@code burst} at once, refilled at
 * {@code perSecond} (a token bucket). A client that sends more is closed with 1008
 * ({@link CloseCode#POLICY_VIOLATION}), reason {@code inbound message rate exceeded}. An
 * {@link InboundRatePolicy} picks one per connection.
 *
 * @param perSecond sustained messages per second; a finite number above 0
 * @param burst     messages that may arrive at once before the sustained rate applies; at least 1
 */
public record InboundRate(double perSecond, int burst) {

    public InboundRate {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("inbound rate perSecond: expected a finite number > 0 but was " + perSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("inbound rate burst: expected at least 1 but was " + burst);
        }
    }

    /** {@code burst} messages at once, then {@code perSecond} sustained. */
    public static InboundRate of(double perSecond, int burst) {
        return new InboundRate(perSecond, burst);
    }

    /**
     * {@code perSecond} sustained with a burst of two seconds' worth ({@code 2 × perSecond}, rounded
     * up), the proportion of the defaults (100 and 200): a client may send twice its rate at once,
     * for example on reconnecting, before the rate applies.
     *
     * @throws IllegalArgumentException when {@code perSecond} is not a finite number above 0, or so
     *                                  large that the burst exceeds {@link Integer#MAX_VALUE}
     */
    public static InboundRate withTwoSecondBurst(double perSecond) {
        double burst = Math.ceil(2 * perSecond);
        if (burst > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("inbound rate burst (2 × perSecond): expected at most " + Integer.MAX_VALUE
                    + " but was " + burst + " for perSecond " + perSecond);
        }
        return new InboundRate(perSecond, (int) burst);
    }

    /** Whether this rate admits more than {@code other}: a higher sustained rate, or the same with a larger burst. */
    public boolean exceeds(InboundRate other) {
        return perSecond > other.perSecond || (perSecond == other.perSecond && burst > other.burst);
    }
}
