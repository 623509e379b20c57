package dev.roomcast.cluster.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian {@code redis-server} as a child process of the test, on a free loopback port (never
 * 6379), without persistence: {@link #stop} and {@link #start} again on the same port simulate an
 * outage in which Redis loses every key, as a restarted cache does. Every wait is bounded.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server on a free loopback port and waits until it answers PING. */
    public static RedisServer start() throws IOException, InterruptedException {
        RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("roomcast-redis"));
        server.startAgain();
        return server;
    }

    /** {@code redis://127.0.0.1:port}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The port, kept across {@link #stop} and {@link #startAgain}. */
    public int port() {
        return port;
    }

    /** Starts the process (again, after {@link #stop}) on the same port; waits until it answers PING. */
    public void startAgain() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server: expected stopped but it runs");
        }
        process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--loglevel", "warning"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!answersPing()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server: expected it to answer PING on port " + port
                        + " within " + WAIT + "; log: " + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(20);
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits until the port refuses connections. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        process = null;
    }

    /** Sends one inline command and returns the first reply line (e.g. {@code :3} or {@code +PONG}). */
    public String command(String inline) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n' && line.length() < 4_096; b = in.read()) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    private boolean answersPing() {
        try {
            return "+PONG".equals(command("PING"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (port != 6379) {
                    return port;
                }
            }
        }
        throw new IOException("no free loopback port other than 6379 in 20 attempts");
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
