package dev.roomcast.hub;

import dev.roomcast.core.BroadcastResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a broadcast's result in hub tests, bounded by {@link RecordingPeer#WAIT}. */
final class BroadcastResults {
    private BroadcastResults() {
    }

    /** The broadcast's result; fails the test if it does not complete within {@link RecordingPeer#WAIT}. */
    static BroadcastResult result(CompletableFuture<BroadcastResult> pending) {
        try {
            return pending.get(RecordingPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("expected the broadcast to complete within " + RecordingPeer.WAIT, e);
        }
    }
}
