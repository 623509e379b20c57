package dev.roomcast.hub;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ClusterBus;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The default {@link ClusterBus} for a single node: publishing a room frame delivers it straight to
 * this node's members. A Redis-backed bus replaces it without touching the hub.
 */
public final class InProcessClusterBus implements ClusterBus {
    private volatile Subscriber subscriber;

    @Override
    public void subscribe(Subscriber subscriber) {
        if (this.subscriber != null) {
            throw new IllegalStateException("subscriber: expected one subscriber but one is already set");
        }
        this.subscriber = subscriber;
    }

    @Override
    public CompletionStage<BroadcastResult> publish(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
        Subscriber local = subscriber;
        if (local == null) {
            throw new IllegalStateException("publish before subscribe: the hub subscribes when it is created");
        }
        return local.deliver(room, frame, excluded);
    }

    @Override
    public void close() {
        // Nothing to release: there is no connection to another node.
    }
}
