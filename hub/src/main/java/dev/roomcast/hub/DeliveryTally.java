package dev.roomcast.hub;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.SendResult;
import java.util.Optional;

/**
 * What one fan-out did at its members' queues, counted as it goes, then turned into a
 * {@link BroadcastResult}. The lane's own delivery and each part of a sharded one keep a tally of
 * their own on their thread (not thread-safe), and a sharded broadcast sums its parts' tallies.
 */
final class DeliveryTally {
    private int attempted;
    private int enqueued;
    private int dropped;
    private int closed;
    private int timedOut;

    /** One more member the frame is offered to. */
    void attempt() {
        attempted++;
    }

    /** A member whose queue took the frame without waiting. */
    void enqueued() {
        enqueued++;
    }

    /** What an offer with the {@code SendBehavior} applied answered. */
    void count(SendResult result) {
        switch (result) {
            case ENQUEUED -> enqueued++;
            case DROPPED -> dropped++;
            case TIMED_OUT -> timedOut++;
            case CLOSED_SLOW, NOT_OPEN -> closed++;
        }
    }

    /** {@code n} members attempted and counted as closed (their writer thread refused the frame, or a send threw). */
    void closed(int n) {
        closed += n;
    }

    /** Attempted members with no answer counted yet. */
    int unanswered() {
        return attempted - enqueued - dropped - closed - timedOut;
    }

    /** Adds another tally's counts to this one. */
    void add(DeliveryTally other) {
        attempted += other.attempted;
        enqueued += other.enqueued;
        dropped += other.dropped;
        closed += other.closed;
        timedOut += other.timedOut;
    }

    /** Adds a finished delivery's counts to this one. */
    void add(BroadcastResult result) {
        attempted += result.attempted();
        enqueued += result.enqueued();
        dropped += result.dropped();
        closed += result.closed();
        timedOut += result.timedOut();
    }

    BroadcastResult result() {
        return new BroadcastResult(attempted, enqueued, dropped, closed, timedOut, Optional.empty());
    }
}
