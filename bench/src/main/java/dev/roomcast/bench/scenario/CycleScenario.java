package dev.roomcast.bench.scenario;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.bench.client.LoadClient;
import dev.roomcast.bench.client.NioLoop;
import dev.roomcast.bench.client.ServerProcess;
import dev.roomcast.bench.client.Wire;
import dev.roomcast.bench.client.WsConnection;
import dev.roomcast.bench.client.WsHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Short-lived connections, K cycles over C concurrent workers, each worker one connection at a time:
 * <ul>
 *   <li>{@code churn}: connect → authenticate (bearer token) → join ({@code ?room=} at the upgrade,
 *       ready at the {@code joined} event) → publish one message → receive it back → close handshake;</li>
 *   <li>{@code handshake}: connect → upgrade with the token verified → cut (RST) at the 101.</li>
 * </ul>
 * Reports cycles per second, errors and the connect latency (connect() to 101) percentiles.
 */
public final class CycleScenario {
    private static final long CYCLE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Options o;
    private final boolean churn;

    public CycleScenario(Options options, boolean churn) {
        this.o = options;
        this.churn = churn;
    }

    private final class Worker implements WsHandler {
        final int index;
        final NioLoop loop;
        final String token;
        final Wire wire;
        final Histogram connectLatency = Common.latencyHistogram();
        final Histogram cycleLatency = Common.latencyHistogram();
        long cycles;
        long errors;
        long seq;
        /** The current cycle's connection, its start, and whether it reached its goal. */
        WsConnection current;
        long cycleStart;
        boolean joined;
        boolean done;

        Worker(int index, NioLoop loop, String token) {
            this.index = index;
            this.loop = loop;
            this.token = token;
            this.wire = new Wire("c" + index, 64);
        }

        void startCycle() {
            if (!claim()) {
                finished.countDown();
                return;
            }
            joined = false;
            done = false;
            cycleStart = System.nanoTime();
            String path = churn ? "/ws?room=c" + index : "/ws";
            WsConnection c = new WsConnection(loop, this, client.target(), path, token, Common.BATCH);
            current = c;
            c.connect(client.nextSource());
            loop.schedule(CYCLE_TIMEOUT_NANOS, () -> {
                if (current == c && !done) {
                    c.abort("cycle timed out");
                    // onClosed counts it as an error and starts the next cycle
                }
            });
        }

        @Override
        public void onOpen(WsConnection c) {
            connectLatency.recordValue(Math.min(c.openNanos() - c.connectStartNanos(), connectLatency.getHighestTrackableValue()));
            if (!churn) {
                done = true;
                c.abort("handshake done");
            }
        }

        @Override
        public void onMessage(WsConnection c, byte[] b, int off, int len) {
            if (!joined) {
                if (Wire.isJoined(b, off, len)) {
                    joined = true;
                    long mine = ++seq;
                    int n = wire.publish(mine, System.nanoTime());
                    c.sendText(wire.buffer(), 0, n);
                }
                return;
            }
            if (!done && Wire.seq(b, off, len) == seq) {
                done = true;
                c.close();
            }
        }

        @Override
        public void onClosed(WsConnection c, String why, int httpStatus, boolean clean) {
            if (c != current) {
                return;
            }
            if (done && clean) {
                cycles++;
                cycleLatency.recordValue(Math.min(System.nanoTime() - cycleStart, cycleLatency.getHighestTrackableValue()));
            } else {
                errors++;
                if (errorsReported.incrementAndGet() <= 5) {
                    System.err.println((churn ? "churn" : "handshake") + " cycle failed: " + why);
                }
            }
            current = null;
            // Start the next cycle from the loop, not from inside this connection's callback.
            loop.execute(this::startCycle);
        }
    }

    private LoadClient client;
    private AtomicInteger remaining;
    private CountDownLatch finished;
    private final AtomicInteger errorsReported = new AtomicInteger();
    private volatile long stopAtNanos;

    private boolean claim() {
        return System.nanoTime() - stopAtNanos < 0 && remaining.getAndDecrement() > 0;
    }

    public Map<String, Object> run() throws InterruptedException {
        String server = o.string("server", "roomcast");
        int cycles = o.bounded("cycles", 5_000, 1, 1_000_000);
        int workers = o.bounded("workers", 32, 1, 2_000);
        int threads = o.bounded("client-threads", 2, 1, 16);
        int sources = o.bounded("source-addresses", 32, 1, 250);
        int warmup = o.bounded("warmup", Math.min(cycles, 500), 0, 1_000_000);
        long timeoutNanos = TimeUnit.SECONDS.toNanos(o.bounded("timeout-seconds", 120, 1, 600));

        byte[] secret = Common.newSecret();
        TokenMinter minter = Common.minter(secret);
        try (ServerProcess proc = ServerProcess.start(server, secret, o.serverJvmFlags(), o.serverOptions(), o.serverClasspathPrefix())) {
            client = new LoadClient(new InetSocketAddress("127.0.0.1", proc.port()), threads, sources, workers,
                    timeoutNanos + TimeUnit.SECONDS.toNanos(30));
            try {
                List<Worker> ws = new ArrayList<>(workers);
                for (int i = 0; i < workers; i++) {
                    NioLoop loop = client.loops().get(i % threads);
                    ws.add(new Worker(i, loop, Common.token(minter, "w" + i)));
                }
                JitWarmup jit = new JitWarmup(proc, o);
                int warmupRounds = warmup == 0 ? 0 : jit.run(i -> warmupRound(ws, warmup, timeoutNanos));
                // A measurement during which the compilers got busy again (JitWarmup.measurementEnds)
                // is taken again, at most jit-retries times; every attempt is reported.
                int retries = o.bounded("jit-retries", 0, 0, 5);
                List<Double> attemptJitShares = new ArrayList<>();
                boolean completed;
                long elapsed;
                long clientCpu;
                long serverCpu;
                while (true) {
                    for (Worker w : ws) {
                        w.loop.call(() -> {
                            w.cycles = 0;
                            w.errors = 0;
                            w.connectLatency.reset();
                            w.cycleLatency.reset();
                            return null;
                        }).join();
                    }
                    jit.measurementStarts();
                    long clientCpu0 = Common.selfCpuNanos();
                    long serverCpu0 = proc.cpuNanos();
                    long t0 = System.nanoTime();
                    completed = round(ws, cycles, timeoutNanos);
                    elapsed = System.nanoTime() - t0;
                    clientCpu = Common.selfCpuNanos() - clientCpu0;
                    serverCpu = proc.cpuNanos() - serverCpu0;
                    boolean quiet = jit.measurementEnds();
                    attemptJitShares.add(Common.round(jit.measuredShare(), 3));
                    if (quiet || !completed || attemptJitShares.size() > retries) {
                        break;
                    }
                    System.err.printf("measurement %d: JIT share %.3f, above jit-quiet; measuring again%n",
                            attemptJitShares.size(), jit.measuredShare());
                }
                Map<String, Object> jitReport = jit.report();
                jitReport.put("measurementJitShares", attemptJitShares);

                long ok = 0;
                long errors = 0;
                Histogram connect = Common.latencyHistogram();
                Histogram cycle = Common.latencyHistogram();
                for (Worker w : ws) {
                    Worker snap = w.loop.call(() -> w).join();
                    ok += snap.cycles;
                    errors += snap.errors;
                    connect.add(snap.connectLatency);
                    cycle.add(snap.cycleLatency);
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("scenario", churn ? "churn" : "handshake");
                r.put("server", server);
                if (!o.serverClasspathPrefix().isEmpty()) {
                    r.put("serverClasses", o.serverClasspathPrefix());
                }
                r.put("cycles", ok);
                r.put("errors", errors);
                r.put("workers", workers);
                r.put("warmupCycles", warmup * warmupRounds);
                r.put("completedInTime", completed);
                r.put("durationSeconds", Common.round(elapsed / 1e9, 3));
                r.put(churn ? "cyclesPerSecond" : "upgradesPerSecond", Math.round(ok / (elapsed / 1e9)));
                r.put("connectMicros", Common.micros(connect));
                r.put("cycleMicros", Common.micros(cycle));
                r.put("clientCpuSeconds", Common.seconds(clientCpu));
                r.put("serverCpuSeconds", Common.seconds(serverCpu));
                r.putAll(jitReport);
                return r;
            } finally {
                client.close();
            }
        }
    }

    /** One warm-up round; false if it was cut short (by time or an interrupt, which is kept). */
    private boolean warmupRound(List<Worker> ws, int count, long timeoutNanos) {
        try {
            return round(ws, count, timeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code count} cycles over the workers; returns false if the time limit cut it short. */
    private boolean round(List<Worker> ws, int count, long timeoutNanos) throws InterruptedException {
        remaining = new AtomicInteger(count);
        finished = new CountDownLatch(ws.size());
        stopAtNanos = System.nanoTime() + timeoutNanos;
        for (Worker w : ws) {
            w.loop.execute(w::startCycle);
        }
        return finished.await(timeoutNanos + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS) && remaining.get() <= 0;
    }

    static String summary(Map<String, Object> r) {
        @SuppressWarnings("unchecked")
        Map<String, Double> c = (Map<String, Double>) r.get("connectMicros");
        boolean churn = "churn".equals(r.get("scenario"));
        return String.format("%s %-15s: %,d %s/s over %s workers (%s cycles, %s errors); connect µs p50 %s p99 %s; cpu client %ss server %ss",
                r.get("scenario"), r.get("server"), (Long) r.get(churn ? "cyclesPerSecond" : "upgradesPerSecond"),
                churn ? "cycles" : "upgrades", r.get("workers"), r.get("cycles"), r.get("errors"),
                c.get("p50"), c.get("p99"), r.get("clientCpuSeconds"), r.get("serverCpuSeconds"));
    }
}
