package dev.roomcast.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * {@code idle}: hold N authenticated connections and report what each costs the server: heap after
 * a full GC and RSS, both as the difference to a baseline taken (after a small warm-up batch of
 * connections came and went) before the N connected, divided by N. With {@code --room R} every
 * connection also joins room R at the upgrade; by default they join none.
 */
public final class IdleScenario {
    private final Options o;

    public IdleScenario(Options options) {
        this.o = options;
    }

    public Map<String, Object> run() throws InterruptedException {
        String server = o.string("server", "roomcast");
        int n = o.bounded("connections", 10_000, 1, LoadClient.MAX_CONNECTIONS - 100);
        int threads = o.bounded("client-threads", 2, 1, 16);
        int dial = o.bounded("dial-concurrency", 128, 1, 10_000);
        int sources = o.bounded("source-addresses", 8, 1, 250);
        int holdMillis = o.bounded("hold-millis", 2_000, 0, 600_000);
        String room = o.string("room", "");
        long timeoutNanos = TimeUnit.SECONDS.toNanos(o.bounded("timeout-seconds", 180, 1, 600));
        String path = room.isEmpty() ? "/ws" : "/ws?room=" + room;

        byte[] secret = Common.newSecret();
        TokenMinter minter = Common.minter(secret);
        List<String> tokens = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tokens.add(Common.token(minter, "u" + i));
        }
        try (ServerProcess proc = ServerProcess.start(server, secret, o.serverJvmFlags(), o.serverOptions(), o.serverClasspathPrefix());
             LoadClient client = new LoadClient(new InetSocketAddress("127.0.0.1", proc.port()), threads, sources, dial,
                     timeoutNanos + TimeUnit.SECONDS.toNanos(30))) {
            // Warm-up: a few connections come and go, so lazily loaded classes and pools are not counted per connection.
            int warm = Math.min(200, n);
            Batch warmBatch = connect(client, threads, warm, path, tokens, !room.isEmpty(), timeoutNanos);
            warmBatch.closeAll();
            awaitServerConnections(proc, 0, 10_000);
            JsonNode base = proc.stats();

            long t0 = System.nanoTime();
            Batch batch = connect(client, threads, n, path, tokens, !room.isEmpty(), timeoutNanos);
            long connectNanos = System.nanoTime() - t0;
            if (holdMillis > 0) {
                Common.sleep(holdMillis);
            }
            JsonNode held = proc.stats();
            int open = held.get("connections").asInt();
            double heapPer = (held.get("heapUsedBytes").asDouble() - base.get("heapUsedBytes").asDouble()) / Math.max(1, open);
            double rssPer = (held.get("rssKib").asDouble() - base.get("rssKib").asDouble()) * 1024 / Math.max(1, open);

            Map<String, Object> r = new LinkedHashMap<>();
            r.put("scenario", "idle");
            r.put("server", server);
            if (!o.serverClasspathPrefix().isEmpty()) {
                r.put("serverClasses", o.serverClasspathPrefix());
            }
            r.put("connections", n);
            r.put("room", room.isEmpty() ? null : room);
            r.put("ready", batch.ready);
            r.put("failed", batch.failed.get());
            r.put("serverConnections", open);
            r.put("connectSeconds", Common.round(connectNanos / 1e9, 3));
            r.put("connectionsPerSecond", Math.round(batch.ready / (connectNanos / 1e9)));
            r.put("heapBytesPerConnection", Math.round(heapPer));
            r.put("rssBytesPerConnection", Math.round(rssPer));
            r.put("baseHeapBytes", base.get("heapUsedBytes").asLong());
            r.put("heldHeapBytes", held.get("heapUsedBytes").asLong());
            r.put("baseRssKib", base.get("rssKib").asLong());
            r.put("heldRssKib", held.get("rssKib").asLong());
            r.put("heldHeapCommittedBytes", held.get("heapCommittedBytes").asLong());
            r.put("serverThreads", held.get("threads").asInt());
            batch.closeAll();
            return r;
        }
    }

    static String summary(Map<String, Object> r) {
        return String.format("idle %-15s N=%s%s: %,d B heap and %,d B RSS per connection (%s of %s open, %s conn/s)",
                r.get("server"), r.get("connections"), r.get("room") == null ? "" : " room=" + r.get("room"),
                (Long) r.get("heapBytesPerConnection"), (Long) r.get("rssBytesPerConnection"),
                r.get("serverConnections"), r.get("connections"), r.get("connectionsPerSecond"));
    }

    private static void awaitServerConnections(ServerProcess proc, int expected, long maxMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() - end < 0) {
            if (proc.stats().get("connections").asInt() <= expected) {
                return;
            }
            Common.sleep(100);
        }
    }

    /** Connections dialed together; ready once open (and joined, with a room). */
    static final class Batch {
        final List<WsConnection> connections = new ArrayList<>();
        final AtomicInteger failed = new AtomicInteger();
        int ready;

        void closeAll() {
            for (WsConnection c : connections) {
                c.loop().execute(() -> c.abort("done"));
            }
        }
    }

    static Batch connect(LoadClient client, int threads, int count, String path, List<String> tokens, boolean waitForJoined,
                         long timeoutNanos) throws InterruptedException {
        Batch batch = new Batch();
        CountDownLatch settled = new CountDownLatch(count);
        WsHandler handler = new WsHandler() {
            @Override
            public void onOpen(WsConnection c) {
                if (!waitForJoined) {
                    settle(c);
                }
            }

            @Override
            public void onMessage(WsConnection c, byte[] b, int off, int len) {
                if (waitForJoined && c.attachment == null && Wire.isJoined(b, off, len)) {
                    settle(c);
                }
            }

            private void settle(WsConnection c) {
                if (c.attachment == null) {
                    c.attachment = Boolean.TRUE;
                    client.dialSettled();
                    settled.countDown();
                }
            }

            @Override
            public void onClosed(WsConnection c, String why, int httpStatus, boolean clean) {
                client.closed();
                if (c.attachment == null) {
                    c.attachment = Boolean.FALSE;
                    batch.failed.incrementAndGet();
                    client.dialSettled();
                    settled.countDown();
                    if (batch.failed.get() <= 5) {
                        System.err.println("idle connection failed: " + why);
                    }
                }
            }
        };
        for (int i = 0; i < count; i++) {
            NioLoop loop = client.loops().get(i % threads);
            WsConnection c = client.dial(loop, handler, path, tokens.get(i % tokens.size()), Common.BATCH, 30_000);
            if (c == null) {
                throw new IllegalStateException("dialing stalled: no connection became ready within 30 s");
            }
            batch.connections.add(c);
        }
        if (!settled.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("only " + (count - settled.getCount()) + " of " + count + " connections settled in time");
        }
        batch.ready = count - batch.failed.get();
        return batch;
    }
}
