package dev.roomcast.observability;

import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.SendResult;

/** A peer that only has an id and identity, for listener unit tests (listeners never send). */
record StubPeer(ConnectionId id, Identity identity) implements Peer {

    static StubPeer of(String id) {
        return new StubPeer(ConnectionId.of(id), Identity.of("subject-" + id));
    }

    @Override
    public SendResult send(Frame frame) {
        throw new AssertionError("a listener must not send");
    }

    @Override
    public boolean trySend(Frame frame) {
        throw new AssertionError("a listener must not send");
    }

    @Override
    public void close(CloseReason reason) {
        throw new AssertionError("a listener must not close");
    }

    @Override
    public void closeAfterDrain(CloseReason reason) {
        throw new AssertionError("a listener must not close");
    }

    @Override
    public boolean isOpen() {
        return true;
    }
}
