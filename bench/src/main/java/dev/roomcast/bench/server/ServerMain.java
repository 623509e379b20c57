package dev.roomcast.bench.server;

import dev.roomcast.bench.Loopback;
import dev.roomcast.bench.ProcStats;
import dev.roomcast.core.SendBehavior;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry point of a server process under test, started by the load generator so that CPU time, RSS
 * and heap are attributable to the server alone. Prints {@code READY {"port":…,"pid":…}} once
 * bound, then answers lines on standard input:
 * <ul>
 *   <li>{@code STATS}: forces garbage collection and prints {@code STATS {"heapUsedBytes":…,…}};</li>
 *   <li>{@code COUNTERS}: prints {@code STATS {…}} with server-side counters, no GC;</li>
 *   <li>{@code QUIT} or end of input: exits at once.</li>
 * </ul>
 * It also exits by itself after {@code --max-seconds} (default 900), so it never outlives a run.
 *
 * <pre>java -cp … dev.roomcast.bench.server.ServerMain --kind roomcast|raw|raw-coalescing --secret-hex HEX
 *      [--host 127.0.0.1] [--port 0] [--send-behavior BLOCK] [--send-queue 256] [--presence false]</pre>
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs but got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        String kind = opts.getOrDefault("kind", "roomcast");
        String host = Loopback.requireLoopback(opts.getOrDefault("host", "127.0.0.1")).getHostAddress();
        int port = Integer.parseInt(opts.getOrDefault("port", "0"));
        byte[] secret = HexFormat.of().parseHex(opts.get("secret-hex"));
        long maxSeconds = Long.parseLong(opts.getOrDefault("max-seconds", "900"));
        Thread watchdog = Thread.ofPlatform().daemon(true).name("bench-watchdog").unstarted(() -> {
            try {
                Thread.sleep(maxSeconds * 1000);
                System.err.println("bench server: --max-seconds " + maxSeconds + " reached, exiting");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        watchdog.start();

        BenchServer server = switch (kind) {
            case "roomcast" -> new RoomcastBenchServer(host, port, secret,
                    SendBehavior.valueOf(opts.getOrDefault("send-behavior", "BLOCK")),
                    Integer.parseInt(opts.getOrDefault("send-queue", "256")),
                    Boolean.parseBoolean(opts.getOrDefault("presence", "false")));
            case "raw" -> new RawServer(host, port, false, secret);
            case "raw-coalescing" -> new RawServer(host, port, true, secret);
            default -> throw new IllegalArgumentException("kind: expected roomcast, raw or raw-coalescing but was " + kind);
        };
        long pid = ProcessHandle.current().pid();
        System.out.println("READY {\"port\":" + server.port() + ",\"pid\":" + pid + ",\"kind\":\"" + kind + "\"}");
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "STATS" -> {
                    System.out.println("STATS " + stats(server, pid));
                    System.out.flush();
                }
                case "COUNTERS" -> {
                    System.out.println("STATS " + server.counters());
                    System.out.flush();
                }
                case "QUIT" -> exit();
                default -> System.err.println("bench server: unknown command " + line);
            }
        }
        exit();
    }

    /**
     * The measurement is over: exit without a graceful server stop, which would only add time (and,
     * for Roomcast, log rejected close tasks of connections cut mid-stop). With a JFR recording the
     * shutdown hooks must run, so that it is written.
     */
    private static void exit() {
        boolean recording = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-XX:StartFlightRecording"));
        if (recording) {
            System.exit(0);
        }
        Runtime.getRuntime().halt(0);
    }

    /** Heap after a full collection, RSS, CPU and open connections, as one JSON object. */
    private static String stats(BenchServer server, long pid) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several collections, keeping the lowest reading: the first may leave floating garbage.
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return "{\"heapUsedBytes\":" + used
                + ",\"heapCommittedBytes\":" + memory.getHeapMemoryUsage().getCommitted()
                + ",\"rssKib\":" + ProcStats.rssKib(pid)
                + ",\"cpuNanos\":" + ProcStats.cpuNanos(pid)
                + ",\"openFiles\":" + ProcStats.openFiles(pid)
                + ",\"threads\":" + Thread.activeCount()
                + ",\"connections\":" + server.connections() + "}";
    }
}
