package dev.roomcast.bench.client;

import dev.roomcast.bench.Loopback;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load generator's connections: a few {@link NioLoop}s, the checked loopback target, and
 * source addresses across 127.0.0.x assigned round-robin. Dialing is bounded: at most
 * {@code dialConcurrency} connections are between connect() and ready at once.
 */
public final class LoadClient implements AutoCloseable {
    /** Connections one client may hold: below the 20,000 open files of a process, with room to spare. */
    public static final int MAX_CONNECTIONS = 19_000;

    private final InetSocketAddress target;
    private final List<NioLoop> loops = new ArrayList<>();
    private final List<InetAddress> sources;
    private final Semaphore dialSlots;
    private final AtomicInteger opened = new AtomicInteger();
    private int nextLoop;
    private int nextSource;

    /**
     * @param target          the server; must be in 127.0.0.0/8
     * @param threads         selector threads
     * @param sourceAddresses how many of 127.0.0.1.. to spread connections over
     * @param dialConcurrency connections that may be dialing at once
     * @param maxRunNanos     hard limit after which every loop closes its connections
     */
    public LoadClient(InetSocketAddress target, int threads, int sourceAddresses, int dialConcurrency, long maxRunNanos) {
        this.target = Loopback.target(target.getAddress().getHostAddress(), target.getPort());
        this.sources = Loopback.sourceAddresses(sourceAddresses);
        this.dialSlots = new Semaphore(dialConcurrency);
        for (int i = 0; i < threads; i++) {
            loops.add(new NioLoop("bench-client-" + i, maxRunNanos));
        }
    }

    public InetSocketAddress target() {
        return target;
    }

    public List<NioLoop> loops() {
        return loops;
    }

    /** The next loop, round-robin. */
    public synchronized NioLoop nextLoop() {
        NioLoop loop = loops.get(nextLoop);
        nextLoop = (nextLoop + 1) % loops.size();
        return loop;
    }

    /** The next source address, round-robin. */
    public synchronized InetAddress nextSource() {
        InetAddress a = sources.get(nextSource);
        nextSource = (nextSource + 1) % sources.size();
        return a;
    }

    /**
     * Dials one connection on {@code loop}, first taking a dial slot (waiting at most
     * {@code maxWaitMillis}); the handler must call {@link #dialSettled()} exactly once when the
     * connection is ready or has failed. Returns null if no slot freed up in time.
     */
    public WsConnection dial(NioLoop loop, WsHandler handler, String path, String token, String subprotocol, long maxWaitMillis)
            throws InterruptedException {
        return dial(loop, handler, path, token, subprotocol, maxWaitMillis, null);
    }

    /** As {@link #dial(NioLoop, WsHandler, String, String, String, long)}, with the scenario's state set before it connects. */
    public WsConnection dial(NioLoop loop, WsHandler handler, String path, String token, String subprotocol, long maxWaitMillis,
                             Object attachment) throws InterruptedException {
        if (opened.incrementAndGet() > MAX_CONNECTIONS) {
            opened.decrementAndGet();
            throw new IllegalStateException("connections: expected at most " + MAX_CONNECTIONS + " open at once");
        }
        if (!dialSlots.tryAcquire(maxWaitMillis, TimeUnit.MILLISECONDS)) {
            opened.decrementAndGet();
            return null;
        }
        WsConnection c = new WsConnection(loop, handler, target, path, token, subprotocol);
        c.attachment = attachment; // published to the loop thread by execute()
        InetAddress source = nextSource();
        loop.execute(() -> c.connect(source));
        return c;
    }

    /** Frees the dial slot of a connection that became ready or failed. */
    public void dialSettled() {
        dialSlots.release();
    }

    /** Counts a connection as closed, for the {@link #MAX_CONNECTIONS} bound. */
    public void closed() {
        opened.decrementAndGet();
    }

    @Override
    public void close() {
        loops.forEach(NioLoop::close);
    }
}
