package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestServer;
import dev.roomcast.transport.undertow.testing.CountingListener;
import dev.roomcast.transport.undertow.testing.ThreadCensus;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Soak: {@code roomcast.soak.cycles} (default 5,000; the {@code soak} Maven profile sets 100,000)
 * connect → join → publish → close cycles over raw sockets, 16 at a time, half ended with a close
 * handshake and half abruptly (the TCP connection dropped without a close frame, alternately with
 * FIN and with RST). Once the server has settled, connections, rooms, registrations, connection
 * threads, platform threads and the heap retained after a full collection must be back to what they
 * were before the cycles; each assertion says what leaked and by how much.
 *
 * <p>The heap tolerance is 512 bytes per cycle (2.5 MB at 5,000 cycles): a leak of 1 KB per cycle
 * exceeds it twice over, while the noise of a collected heap stays well below it. The run is bounded
 * by its cycle count and by {@code roomcast.soak.timeoutSeconds} (default 180; the profile sets 3,600).
 */
class SoakIT {
    private static final int CYCLES = Integer.getInteger("roomcast.soak.cycles", 5_000);
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("roomcast.soak.timeoutSeconds", 180));
    private static final int WARM_UP_CYCLES = 800;
    private static final int PARALLEL = 16;
    private static final int ROOMS = 16;
    private static final long HEAP_TOLERANCE_BYTES_PER_CYCLE = 512;
    /**
     * The JDK grows some pools of its own on demand (virtual-thread carriers compensating for a
     * blocked carrier, its cleaner and timer threads); a leak per connection is thousands of threads.
     */
    private static final int PLATFORM_THREAD_SLACK = 4;
    private static final String CONNECTION_THREADS = "roomcast-connection-";
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** What is counted before and after the cycles. */
    private record Census(int connections, int rooms, int registrations, int connectionThreads,
                          int platformThreads, List<String> platformThreadNames, long retainedHeapBytes) {
    }

    private final CountingListener counting = new CountingListener();
    private TestServer server;

    @BeforeEach
    void start() {
        // Rate limits are per connection: one join and one publish each never meet them.
        server = TestServer.builder()
                .config(RoomcastConfig.builder().workerCount(2).jobQueueSize(1024).build())
                .listener(counting)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void connectJoinPublishCloseCyclesLeaveConnectionsRoomsThreadsAndHeapAtTheirBaseline() throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // Warm-up fills the pools, caches and JIT-compiled paths a steady server keeps, so the
        // baseline already holds them.
        runCycles(0, WARM_UP_CYCLES, deadline);
        awaitSettled(WARM_UP_CYCLES);
        Census before = census();

        long started = System.nanoTime();
        runCycles(WARM_UP_CYCLES, WARM_UP_CYCLES + CYCLES, deadline);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("SoakIT: %d cycles in %d ms (%.0f/s)%n", CYCLES, took.toMillis(),
                CYCLES * 1000.0 / Math.max(1, took.toMillis()));

        int total = WARM_UP_CYCLES + CYCLES;
        awaitSettled(total);
        assertThat(counting.opened.get()).as("connections opened").isEqualTo(total);
        assertThat(counting.rejected.get()).as("upgrades rejected").isZero();

        // Threads end (awaits poll on this thread, so they add none) a little after their connection: wait for them before judging.
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            Census now = census();
            assertThat(now.connectionThreads()).as("connection threads leaked: %d before, %d after",
                    before.connectionThreads(), now.connectionThreads()).isLessThanOrEqualTo(before.connectionThreads());
            assertThat(now.platformThreads()).as("platform threads leaked: %d before, %d after; new: %s",
                    before.platformThreads(), now.platformThreads(), newThreadNames(before.platformThreadNames()))
                    .isLessThanOrEqualTo(before.platformThreads() + PLATFORM_THREAD_SLACK);
        });
        long tolerance = HEAP_TOLERANCE_BYTES_PER_CYCLE * CYCLES;
        // A collection right after the cycles may still see connections that are closing; retry a few times.
        await().pollInSameThread().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            long grown = retainedHeap() - before.retainedHeapBytes();
            System.out.printf("SoakIT: retained heap %+d bytes after %d cycles (tolerance %d)%n", grown, CYCLES, tolerance);
            assertThat(grown).as("retained heap grew by %d bytes over %d cycles (%d bytes per cycle; tolerance %d bytes)",
                    grown, CYCLES, grown / CYCLES, tolerance).isLessThanOrEqualTo(tolerance);
        });
    }

    /** Runs cycles {@code from} (inclusive) to {@code to} (exclusive) on {@link #PARALLEL} workers. */
    private void runCycles(int from, int to, long deadlineNanos) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < PARALLEL; w++) {
                int worker = w;
                workers.add(pool.submit(() -> {
                    for (int i = from + worker; i < to; i += PARALLEL) {
                        if (System.nanoTime() - deadlineNanos > 0) {
                            throw new TimeoutException("soak timeout of " + TIMEOUT + " reached at cycle " + i);
                        }
                        cycle(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                // Each cycle is bounded by the raw client's 5 s read timeout, so a worker ends soon after the deadline.
                f.get(Math.max(1, deadlineNanos - System.nanoTime()) + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS);
            }
        } finally {
            pool.shutdownNow();
            // Its threads must be gone before the platform threads are counted.
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("workers ended").isTrue();
        }
    }

    /**
     * One cycle: connect with a valid token, join a room with a {@code join} event, publish one
     * message and read it back, then end: even cycles with a close handshake, odd ones abruptly
     * (one in two of those with RST instead of FIN).
     */
    private void cycle(int i) throws Exception {
        String room = "soak-" + (i % ROOMS);
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "user-" + i)) {
            ws.sendText("{\"type\":\"join\",\"room\":\"" + room + "\",\"id\":\"j" + i + "\"}");
            awaitType(ws, "joined", i);
            ws.sendText("{\"type\":\"publish\",\"room\":\"" + room + "\",\"payload\":{\"n\":" + i + "}}");
            awaitType(ws, "message", i);
            if (i % 2 == 0) {
                ws.sendClose(1000);
                assertThat(ws.awaitCloseCode()).as("cycle %d: close code", i).isEqualTo(1000);
                assertThat(ws.awaitEof()).as("cycle %d: the server ends the connection after the close handshake", i).isTrue();
            } else if (i % 4 == 3) {
                ws.socket().setSoLinger(true, 0); // close() then sends RST
            }
        }
    }

    /** Reads text frames until one of {@code type} carrying {@code "n":i} or the reply to join {@code i}. */
    private static void awaitType(RawWebSocket ws, String type, int i) throws Exception {
        // Presence events and messages of other cycles sharing the room may come first.
        for (int skip = 0; skip < 1_000; skip++) {
            String text = ws.readUntil(RawWebSocket.OP_TEXT).text();
            if (text.contains("\"type\":\"" + type + "\"")
                    && (text.contains("\"n\":" + i + "}") || text.contains("\"id\":\"j" + i + "\""))) {
                return;
            }
            if (text.contains("\"type\":\"error\"")) {
                throw new AssertionError("cycle " + i + ": expected " + type + " but got " + text);
            }
        }
        throw new AssertionError("cycle " + i + ": no " + type + " within 1,000 frames");
    }

    /** Waits until the hub holds no connection, registration or room and every open was reported closed. */
    private void awaitSettled(int cycles) {
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(server.hub().activeConnectionCount()).as("connections leaked in the hub").isZero();
            assertThat(server.hub().registrationCount()).as("room registrations leaked").isZero();
            assertThat(server.hub().activeRoomCount()).as("rooms leaked: %s", server.hub().rooms()).isZero();
            assertThat(counting.closed.get()).as("close reports (expected one per cycle)").isEqualTo(cycles);
        });
    }

    private Census census() {
        return new Census(server.hub().activeConnectionCount(), server.hub().activeRoomCount(),
                server.hub().registrationCount(), ThreadCensus.countNamed(CONNECTION_THREADS),
                THREADS.getThreadCount(), platformThreadNames(), retainedHeap());
    }

    private static List<String> platformThreadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }

    /** Names of the platform threads now alive that were not (as many times) before, for the failure message. */
    private static List<String> newThreadNames(List<String> before) {
        List<String> now = new ArrayList<>(platformThreadNames());
        before.forEach(now::remove);
        return now;
    }

    /** Heap in use after full collections: the smallest of three, as a collection may run concurrently with closing. */
    private static long retainedHeap() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
