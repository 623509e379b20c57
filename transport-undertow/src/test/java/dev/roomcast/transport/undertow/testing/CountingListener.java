package dev.roomcast.transport.undertow.testing;

import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Peer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection listener that only counts opens, closes and refused upgrades, cheap enough for the
 * tens of thousands of connections of the churn and soak tests, which check that the server reports
 * every connection it opened as closed exactly once. {@link RecordingListener} keeps the events
 * themselves, for tests that look at each one.
 */
public final class CountingListener implements ConnectionListener {
    public final AtomicInteger opened = new AtomicInteger();
    public final AtomicInteger closed = new AtomicInteger();
    public final AtomicInteger rejected = new AtomicInteger();

    @Override
    public void onOpened(Peer peer) {
        opened.incrementAndGet();
    }

    @Override
    public void onClosed(Peer peer, int code, String reason, Duration lifetime) {
        closed.incrementAndGet();
    }

    @Override
    public void onUpgradeRejected(ErrorCode code, String detail) {
        rejected.incrementAndGet();
    }
}
