package dev.roomcast.bench.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.bench.ProcStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in its own JVM (so its CPU seconds, RSS and heap are its own), started with
 * this JVM's class path and spoken to over its standard input and output (see
 * {@code ServerMain}). Closing it sends {@code QUIT} and, if it has not exited within 5 s, kills it.
 */
public final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(64);
    private final int port;
    private final long pid;
    private final String kind;

    private ServerProcess(Process process, String kind) throws IOException, InterruptedException {
        this.process = process;
        this.kind = kind;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofPlatform().daemon(true).name("bench-server-stdout").start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("READY ") || line.startsWith("STATS ")) {
                        lines.offer(line);
                    } else {
                        System.err.println("[server " + kind + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        String ready = lines.poll(30, TimeUnit.SECONDS);
        if (ready == null || !ready.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IllegalStateException("server " + kind + " did not start within 30 s");
        }
        JsonNode info = JSON.readTree(ready.substring(6));
        this.port = info.get("port").asInt();
        this.pid = info.get("pid").asLong();
    }

    /**
     * Starts a server JVM.
     *
     * @param kind      roomcast, raw or raw-coalescing
     * @param secret    HS256 secret for the tokens
     * @param jvmFlags  extra JVM flags (e.g. a JFR recording)
     * @param options   extra {@code --name value} options for ServerMain
     */
    public static ServerProcess start(String kind, byte[] secret, List<String> jvmFlags, List<String> options) {
        return start(kind, secret, jvmFlags, options, "");
    }

    /**
     * Starts a server JVM whose class path begins with {@code classpathPrefix} (empty for none): a
     * directory of patched framework classes, to measure a proposed change against the build as is.
     */
    public static ServerProcess start(String kind, byte[] secret, List<String> jvmFlags, List<String> options,
                                      String classpathPrefix) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xms256m");
        cmd.add("-Xmx2g");
        cmd.add("-XX:+UseG1GC");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        String cp = System.getProperty("java.class.path");
        cmd.add(classpathPrefix.isEmpty() ? cp : classpathPrefix + java.io.File.pathSeparator + cp);
        cmd.add("dev.roomcast.bench.server.ServerMain");
        cmd.add("--kind");
        cmd.add(kind);
        cmd.add("--secret-hex");
        cmd.add(HexFormat.of().formatHex(secret));
        cmd.addAll(options);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new ServerProcess(p, kind);
        } catch (IOException e) {
            throw new UncheckedIOException("starting the " + kind + " server failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the server", e);
        }
    }

    public String kind() {
        return kind;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return pid;
    }

    /** The server's CPU time so far (user + system), read from /proc without disturbing it. */
    public long cpuNanos() {
        return ProcStats.cpuNanos(pid);
    }

    /** CPU time the server's JIT compiler threads have used so far; see {@link ProcStats#jitCpuNanos}. */
    public long jitCpuNanos() {
        return ProcStats.jitCpuNanos(pid);
    }

    /** The server's RSS now, in KiB. */
    public long rssKib() {
        return ProcStats.rssKib(pid);
    }

    /** Asks the server for its stats after a forced GC (heap, RSS, CPU, connections). */
    public JsonNode stats() {
        return ask("STATS");
    }

    /** Asks the server for its counters (for Roomcast: what broadcasts did at members' queues); no GC. */
    public JsonNode counters() {
        return ask("COUNTERS");
    }

    private JsonNode ask(String command) {
        try {
            commands.write(command + "\n");
            commands.flush();
            String line = lines.poll(60, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("server " + kind + " did not answer " + command + " within 60 s");
            }
            return JSON.readTree(line.substring(6));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            commands.write("QUIT\n");
            commands.flush();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
