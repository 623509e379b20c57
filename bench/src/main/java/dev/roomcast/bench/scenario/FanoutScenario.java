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
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code fanout}: N subscribers in one room, one publisher sending M messages of S payload bytes,
 * either at a fixed rate R or as fast as a bounded in-flight window allows. Every payload carries a
 * sequence number and its send time; each subscriber checks for loss, duplicates and reordering,
 * and records the latency of every delivery in an HdrHistogram.
 *
 * <p>Phases: connect (bounded dial concurrency; a subscriber is ready once its {@code joined} event
 * arrives) → warm-up (W messages, not measured) → measurement (M messages) → drain (until every
 * delivery arrived, nothing arrived for 3 s, or the time limit).
 */
public final class FanoutScenario {
    private static final String ROOM = "fanout";

    private final Options o;

    public FanoutScenario(Options options) {
        this.o = options;
    }

    /** Per loop thread: written only by that thread, published to others with release stores. */
    private static final class LoopStats {
        final Histogram latency = Common.latencyHistogram();
        long measured;
        long duplicated;
        long outOfOrder;
        long lastDeliveryNanos;
        final AtomicLong unique = new AtomicLong();
        long uniquePlain;
        int sinceKick;
    }

    private static final class Subscriber {
        final BitSet seen;
        final LoopStats stats;
        long maxSeq = -1;
        boolean ready;

        Subscriber(int total, LoopStats stats) {
            this.seen = new BitSet(total);
            this.stats = stats;
        }
    }

    public Map<String, Object> run() throws InterruptedException {
        String server = o.string("server", "roomcast");
        int n = o.bounded("subscribers", 1000, 1, LoadClient.MAX_CONNECTIONS - 10);
        int messages = o.bounded("messages", 500, 1, 10_000_000);
        int warmup = o.bounded("warmup", Math.min(messages, 200), 0, 10_000_000);
        int payloadBytes = o.bounded("payload", 64, 48, 1 << 20);
        int rate = o.bounded("rate", 0, 0, 1_000_000);
        int window = o.bounded("window", 128, 1, 1_000_000);
        int threads = o.bounded("client-threads", 2, 1, 16);
        int dial = o.bounded("dial-concurrency", 64, 1, 10_000);
        int sources = o.bounded("source-addresses", 8, 1, 250);
        long timeoutNanos = TimeUnit.SECONDS.toNanos(o.bounded("timeout-seconds", 120, 1, 600));
        long started = System.nanoTime();

        byte[] secret = Common.newSecret();
        TokenMinter minter = Common.minter(secret);
        try (ServerProcess proc = ServerProcess.start(server, secret, o.serverJvmFlags(), o.serverOptions(), o.serverClasspathPrefix());
             LoadClient client = new LoadClient(new InetSocketAddress("127.0.0.1", proc.port()), threads, sources, dial,
                     timeoutNanos + TimeUnit.SECONDS.toNanos(30))) {
            JitWarmup jit = new JitWarmup(proc, o);
            // Sequence numbers: warm-up rounds first, each of `warmup` messages, then the measured messages.
            int total = warmup * jit.maxRounds() + messages;
            AtomicInteger measuredFrom = new AtomicInteger(total);
            Map<NioLoop, LoopStats> statsByLoop = new LinkedHashMap<>();
            for (NioLoop loop : client.loops()) {
                statsByLoop.put(loop, new LoopStats());
            }
            CountDownLatch settled = new CountDownLatch(n + 1);
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger unexpectedCloses = new AtomicInteger();
            AtomicBoolean tearingDown = new AtomicBoolean();
            Histogram connectLatency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            java.util.concurrent.atomic.AtomicReference<Pump> pumpRef = new java.util.concurrent.atomic.AtomicReference<>();
            int kickEvery = Math.max(1, n / (threads * 8));

            WsHandler subscriberHandler = new WsHandler() {
                @Override
                public void onOpen(WsConnection c) {
                }

                @Override
                public void onMessage(WsConnection c, byte[] b, int off, int len) {
                    Subscriber s = (Subscriber) c.attachment;
                    if (!s.ready) {
                        if (Wire.isJoined(b, off, len)) {
                            s.ready = true;
                            synchronized (connectLatency) {
                                connectLatency.recordValue(Math.min(c.openNanos() - c.connectStartNanos(), connectLatency.getHighestTrackableValue()));
                            }
                            client.dialSettled();
                            settled.countDown();
                        }
                        return;
                    }
                    long seq = Wire.seq(b, off, len);
                    if (seq < 0 || seq >= total) {
                        return;
                    }
                    long now = System.nanoTime();
                    LoopStats st = s.stats;
                    if (s.seen.get((int) seq)) {
                        st.duplicated++;
                        return;
                    }
                    s.seen.set((int) seq);
                    if (seq < s.maxSeq) {
                        st.outOfOrder++;
                    } else {
                        s.maxSeq = seq;
                    }
                    st.unique.setRelease(++st.uniquePlain);
                    if (seq >= measuredFrom.get()) {
                        long ts = Wire.ts(b, off, len);
                        if (ts > 0) {
                            st.latency.recordValue(Math.min(Math.max(0, now - ts), st.latency.getHighestTrackableValue()));
                        }
                        st.measured++;
                        st.lastDeliveryNanos = now;
                    }
                    Pump p = pumpRef.get();
                    if (p != null && p.waiting && ++st.sinceKick >= kickEvery) {
                        st.sinceKick = 0;
                        p.kick();
                    }
                }

                @Override
                public void onClosed(WsConnection c, String why, int httpStatus, boolean clean) {
                    client.closed();
                    Subscriber s = (Subscriber) c.attachment;
                    if (!s.ready) {
                        failed.incrementAndGet();
                        client.dialSettled();
                        settled.countDown();
                        System.err.println("subscriber failed: " + why);
                    } else if (!tearingDown.get()) {
                        unexpectedCloses.incrementAndGet();
                        System.err.println("subscriber closed during the run: " + why);
                    }
                }
            };

            // ---- connect ----------------------------------------------------------------------
            long connectStart = System.nanoTime();
            List<WsConnection> subscribers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                NioLoop loop = client.loops().get(i % threads);
                String token = Common.token(minter, "s" + i);
                WsConnection c = client.dial(loop, subscriberHandler, "/ws?room=" + ROOM, token, Common.BATCH, 30_000,
                        new Subscriber(total, statsByLoop.get(loop)));
                if (c == null) {
                    throw new IllegalStateException("dialing stalled: no connection became ready within 30 s");
                }
                subscribers.add(c);
            }
            NioLoop pubLoop = client.loops().get(0);
            PublisherHandler pubHandler = new PublisherHandler(settled, client);
            WsConnection publisher = client.dial(pubLoop, pubHandler, "/ws?room=" + ROOM, Common.token(minter, "publisher"),
                    Common.BATCH, 30_000);
            if (!settled.await(Math.max(1, timeoutNanos / 2), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("only " + (n + 1 - settled.getCount()) + " of " + (n + 1) + " connections ready in time");
            }
            long connectNanos = System.nanoTime() - connectStart;
            if (failed.get() > 0 || !pubHandler.ready) {
                throw new IllegalStateException(failed.get() + " subscribers failed to connect" + (pubHandler.ready ? "" : "; publisher failed"));
            }
            int ready = n;
            Wire wire = new Wire(ROOM, payloadBytes);
            List<LoopStats> stats = new ArrayList<>(statsByLoop.values());
            Pump pump = new Pump(pubLoop, publisher, wire, rate, window, ready, stats);
            pumpRef.set(pump);

            // ---- warm-up ----------------------------------------------------------------------
            long deadline = started + timeoutNanos;
            int warmupRounds = warmup == 0 ? 0 : jit.run(round -> {
                int from = round * warmup;
                pump.startRange(from, from + warmup, 0); // warm-up always at max rate within the window
                long expected = (long) (from + warmup) * ready;
                return awaitDeliveries(stats, expected, deadline, 3_000) == expected;
            });
            int first = warmup * warmupRounds;
            int end = first + messages;
            measuredFrom.set(first);
            // ---- measurement ------------------------------------------------------------------
            // The heap's steady state too (finding 17): the subscribers' state, allocated as they
            // connected, is still young after a warm-up of seconds, and G1 copies it from survivor
            // space to survivor space at every young collection until it is 15 collections old. A
            // long-running server has tenured it; a full collection here does the same, for every server.
            proc.stats();
            jit.measurementStarts();
            long clientCpu0 = Common.selfCpuNanos();
            long serverCpu0 = proc.cpuNanos();
            long t0 = System.nanoTime();
            pump.startRange(first, end, rate);
            long got = awaitDeliveries(stats, (long) end * ready, deadline, 3_000);
            long clientCpu = Common.selfCpuNanos() - clientCpu0;
            long serverCpu = proc.cpuNanos() - serverCpu0;
            jit.measurementEnds(); // reported, not repeated: the messages' sequence is one range
            Map<String, Object> jitReport = jit.report();
            long serverRss = proc.rssKib();
            Object serverCounters = BenchJson.toMap(proc.counters());
            tearingDown.set(true);

            // Gather per-loop results on their own threads (happens-before via the futures).
            Histogram latency = Common.latencyHistogram();
            long measured = 0;
            long dup = 0;
            long ooo = 0;
            long last = t0;
            for (NioLoop loop : client.loops()) {
                LoopStats st = statsByLoop.get(loop);
                LoopStats snapshot = loop.call(() -> st).join();
                latency.add(snapshot.latency);
                measured += snapshot.measured;
                dup += snapshot.duplicated;
                ooo += snapshot.outOfOrder;
                last = Math.max(last, snapshot.lastDeliveryNanos);
            }
            long expected = (long) end * ready;
            long lost = expected - got;
            double seconds = (last - t0) / 1e9;
            PumpReport pr = pubLoop.call(pump::report).join();
            long frames = 0;
            for (NioLoop loop : client.loops()) {
                frames += loop.call(() -> subscribers.stream().filter(c -> c.loop() == loop)
                        .mapToLong(WsConnection::textMessages).sum()).join();
            }

            Map<String, Object> r = new LinkedHashMap<>();
            r.put("scenario", rate > 0 ? "fanout-rate" : "fanout");
            r.put("server", server);
            if (!o.serverClasspathPrefix().isEmpty()) {
                r.put("serverClasses", o.serverClasspathPrefix());
            }
            r.put("subscribers", ready);
            r.put("messages", messages);
            r.put("warmupMessages", first);
            r.put("payloadBytes", payloadBytes);
            r.put("rate", rate);
            r.put("window", rate > 0 ? null : window);
            r.put("clientThreads", threads);
            r.put("durationSeconds", Common.round(seconds, 3));
            r.put("deliveries", measured);
            r.put("deliveriesPerSecond", seconds > 0 ? Math.round(measured / seconds) : 0);
            r.put("expectedDeliveries", expected);
            r.put("lost", lost);
            r.put("duplicated", dup);
            r.put("outOfOrder", ooo);
            r.put("latencyMicros", Common.micros(latency));
            r.put("clientCpuSeconds", Common.seconds(clientCpu));
            r.put("serverCpuSeconds", Common.seconds(serverCpu));
            // CPU per delivery is steadier than deliveries/s when the machine is shared.
            r.put("serverCpuMicrosPerDelivery", measured > 0 ? Common.round(serverCpu / 1e3 / measured, 3) : null);
            r.put("clientCpuMicrosPerDelivery", measured > 0 ? Common.round(clientCpu / 1e3 / measured, 3) : null);
            r.put("serverRssKib", serverRss);
            r.put("connectSeconds", Common.round(connectNanos / 1e9, 3));
            r.put("connectP99Millis", Common.round(connectLatency.getValueAtPercentile(99) / 1e6, 2));
            r.put("unexpectedCloses", unexpectedCloses.get());
            r.put("serverCounters", serverCounters);
            r.put("publisherLagMaxMillis", Common.round(pr.maxLagNanos / 1e6, 3));
            r.put("windowStalls", pr.stalls);
            // How many messages each write carried on average (warm-up included): what coalescing achieved.
            r.put("messagesPerFrame", frames > 0 ? Common.round((double) got / frames, 1) : null);
            r.putAll(jitReport);
            for (WsConnection c : subscribers) {
                c.loop().execute(() -> c.abort("done"));
            }
            pubLoop.execute(() -> publisher.abort("done"));
            return r;
        }
    }

    static String summary(Map<String, Object> r) {
        @SuppressWarnings("unchecked")
        Map<String, Double> lat = (Map<String, Double>) r.get("latencyMicros");
        return String.format("%s %-15s N=%s M=%s S=%sB rate=%s: %,d deliveries/s, lost %s, dup %s, ooo %s; latency µs p50 %s p99 %s p99.9 %s max %s; cpu client %ss server %ss (%s µs/delivery)",
                r.get("scenario"), r.get("server"), r.get("subscribers"), r.get("messages"), r.get("payloadBytes"),
                ((Integer) r.get("rate")) == 0 ? "max(window " + r.get("window") + ")" : r.get("rate") + "/s",
                (Long) r.get("deliveriesPerSecond"), r.get("lost"), r.get("duplicated"), r.get("outOfOrder"),
                lat.get("p50"), lat.get("p99"), lat.get("p99_9"), lat.get("max"), r.get("clientCpuSeconds"), r.get("serverCpuSeconds"),
                r.get("serverCpuMicrosPerDelivery"));
    }

    /** Waits until {@code expected} unique deliveries, {@code quietMillis} without progress, or the deadline. */
    private static long awaitDeliveries(List<LoopStats> stats, long expected, long deadlineNanos, long quietMillis) {
        long lastCount = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long count = 0;
            for (LoopStats s : stats) {
                count += s.unique.getAcquire();
            }
            long now = System.nanoTime();
            if (count >= expected || now - deadlineNanos > 0) {
                return count;
            }
            if (count != lastCount) {
                lastCount = count;
                lastChange = now;
            } else if (now - lastChange > TimeUnit.MILLISECONDS.toNanos(quietMillis)) {
                return count;
            }
            Common.sleep(5);
        }
    }

    private static final class PublisherHandler implements WsHandler {
        private final CountDownLatch settled;
        private final LoadClient client;
        volatile boolean ready;

        PublisherHandler(CountDownLatch settled, LoadClient client) {
            this.settled = settled;
            this.client = client;
        }

        @Override
        public void onOpen(WsConnection c) {
        }

        @Override
        public void onMessage(WsConnection c, byte[] b, int off, int len) {
            if (!ready && Wire.isJoined(b, off, len)) {
                ready = true;
                client.dialSettled();
                settled.countDown();
            }
        }

        @Override
        public void onClosed(WsConnection c, String why, int httpStatus, boolean clean) {
            client.closed();
            if (!ready) {
                client.dialSettled();
                settled.countDown();
                System.err.println("publisher failed: " + why);
            }
        }
    }

    private record PumpReport(long maxLagNanos, long stalls) {
    }

    /**
     * Sends a range of sequence numbers from the publisher's loop: on a schedule (rate R), or as fast
     * as the in-flight window allows, where in flight means sent but not yet delivered to every
     * subscriber (counted as unique deliveries / N). Receivers {@link #kick} it when it waits.
     */
    private static final class Pump implements Runnable {
        private static final int MAX_UNSENT_BYTES = 256 * 1024;
        private final NioLoop loop;
        private final WsConnection publisher;
        private final Wire wire;
        private final int window;
        private final int subscribers;
        private final List<LoopStats> stats;
        volatile boolean waiting;
        private final AtomicBoolean kicked = new AtomicBoolean();
        // Loop thread only.
        private long rangeStart;
        private long next;
        private long end;
        private int rate;
        private long startNanos;
        private long maxLagNanos;
        private long stalls;
        private long lastProgressNanos;
        private long lastCompleted = -1;
        private boolean timerPending;
        private final Runnable timer = () -> {
            timerPending = false;
            run();
        };

        Pump(NioLoop loop, WsConnection publisher, Wire wire, int rate, int window, int subscribers, List<LoopStats> stats) {
            this.loop = loop;
            this.publisher = publisher;
            this.wire = wire;
            this.window = window;
            this.subscribers = subscribers;
            this.stats = stats;
        }

        void startRange(long from, long to, int rate) {
            loop.execute(() -> {
                this.rangeStart = from;
                this.next = from;
                this.end = to;
                this.rate = rate;
                this.startNanos = System.nanoTime();
                this.lastProgressNanos = startNanos;
                run();
            });
        }

        void kick() {
            if (!kicked.get() && kicked.compareAndSet(false, true)) {
                loop.execute(this);
            }
        }

        PumpReport report() {
            return new PumpReport(maxLagNanos, stalls);
        }

        private void later(long delayNanos) {
            if (!timerPending) {
                timerPending = true;
                loop.schedule(delayNanos, timer);
            }
        }

        @Override
        public void run() {
            kicked.set(false);
            waiting = false;
            if (next >= end || !publisher.isOpen()) {
                return;
            }
            long now = System.nanoTime();
            if (publisher.unsentBytes() > MAX_UNSENT_BYTES) {
                later(200_000); // the socket is full: let the server read
                return;
            }
            if (rate > 0) {
                long due = Math.min(end, rangeStart + 1 + (long) ((now - startNanos) / 1e9 * rate));
                while (next < due) {
                    long intended = startNanos + (long) ((next - rangeStart) * 1e9 / rate);
                    maxLagNanos = Math.max(maxLagNanos, now - intended);
                    send(now);
                }
                if (next < end) {
                    long nextDue = startNanos + (long) ((next - rangeStart) * 1e9 / rate);
                    later(Math.max(0, nextDue - System.nanoTime()));
                }
                return;
            }
            long delivered = 0;
            for (LoopStats s : stats) {
                delivered += s.unique.getAcquire();
            }
            long completed = delivered / subscribers;
            if (completed != lastCompleted) {
                lastCompleted = completed;
                lastProgressNanos = now;
            }
            long limit = Math.min(end, completed + window);
            if (next >= limit && now - lastProgressNanos > 1_000_000_000L) {
                limit = Math.min(end, next + window); // stalled for 1 s (loss?): go on, and count it
                stalls++;
                lastProgressNanos = now;
            }
            while (next < limit && publisher.unsentBytes() <= MAX_UNSENT_BYTES) {
                send(System.nanoTime());
            }
            if (next < end) {
                waiting = true;
                later(next < limit ? 200_000 : 10_000_000); // safety net if no kick arrives
            }
        }

        private void send(long tsNanos) {
            int len = wire.publish(next, tsNanos);
            publisher.sendText(wire.buffer(), 0, len);
            next++;
        }
    }
}
