package dev.roomcast.bench.scenario;

import dev.roomcast.bench.client.ServerProcess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Warm-up in rounds until the server's JIT compilers go quiet, so that a measurement times compiled
 * code rather than the compilation. HotSpot moves a method to its optimising compiler only after
 * thousands of calls (about 5,000 to 15,000), so a per-message or per-connection path warmed up by a
 * few hundred messages is still being compiled while it is measured, and the compiler threads' CPU is
 * counted as the server's. A round is one warm-up batch of the scenario; after each the compiler
 * threads' share of the server's CPU in that round is read from {@code /proc}, and rounds stop once it
 * is at most {@code jit-quiet} (default 2%) or after {@code warmup-rounds} rounds (default 1: a fixed
 * warm-up, as before this existed).
 */
final class JitWarmup {
    private final ServerProcess proc;
    private final int maxRounds;
    private final double quietShare;
    private int rounds;
    private double lastShare = Double.NaN;
    private long measureCpu0;
    private long measureJit0;
    private long measuredCpu;
    private long measuredJit;

    JitWarmup(ServerProcess proc, Options o) {
        this.proc = proc;
        this.maxRounds = o.bounded("warmup-rounds", 1, 1, 50);
        this.quietShare = o.decimal("jit-quiet", 0.02);
    }

    /** The most rounds {@link #run} may run. */
    int maxRounds() {
        return maxRounds;
    }

    /**
     * Runs {@code round} (given the index of the round, from 0) until the JIT is quiet or the round
     * limit; stops early when a round returns false (it did not complete in time). Returns the rounds run.
     */
    int run(IntPredicate round) {
        while (rounds < maxRounds) {
            long cpu0 = proc.cpuNanos();
            long jit0 = proc.jitCpuNanos();
            boolean completed = round.test(rounds);
            rounds++;
            long cpu = proc.cpuNanos() - cpu0;
            long jit = proc.jitCpuNanos() - jit0;
            lastShare = cpu > 0 && jit >= 0 ? (double) jit / cpu : Double.NaN;
            System.err.printf("warm-up round %d: server CPU %.2f s, JIT share %.3f%n", rounds, cpu / 1e9, lastShare);
            if (!completed || lastShare <= quietShare) {
                break;
            }
        }
        return rounds;
    }

    /** Marks the start of the measurement, for {@link #measurementEnds} and {@link #report}. */
    void measurementStarts() {
        measureCpu0 = proc.cpuNanos();
        measureJit0 = proc.jitCpuNanos();
    }

    /**
     * Marks the end of the measurement and tells whether the compilers stayed at most {@code jit-quiet}
     * of the server's CPU during it. A warm-up that ended quiet can still be followed by a burst of
     * recompilation (a rare branch or a new receiver class deoptimises a large compiled method, whose
     * recompilation takes the optimising compiler up to a second): such a measurement is of the
     * compiler again.
     */
    boolean measurementEnds() {
        measuredCpu = proc.cpuNanos() - measureCpu0;
        measuredJit = proc.jitCpuNanos() - measureJit0;
        return measuredShare() <= quietShare;
    }

    /** The compilers' share of the server's CPU in the last measurement (0 if no CPU was counted). */
    double measuredShare() {
        return measuredCpu > 0 ? (double) measuredJit / measuredCpu : 0;
    }

    /**
     * What the warm-up did and how much of the server's CPU during the measurement went to the JIT
     * compilers: a reader can tell from it whether the figures are of warmed-up code. Call after
     * {@link #measurementEnds}.
     */
    Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("warmupRounds", rounds);
        r.put("warmupJitShareLastRound", Double.isNaN(lastShare) ? null : Common.round(lastShare, 3));
        r.put("serverJitCpuSeconds", Common.seconds(measuredJit));
        r.put("serverJitShare", measuredCpu > 0 ? Common.round(measuredShare(), 3) : null);
        return r;
    }
}
