package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendResult;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that reads its {@code joined} reply and publishes at once must receive its own message:
 * the member is visible to fan-out before any broadcast issued after the reply can run.
 */
@Timeout(30)
class JoinOrderTest {
    private static final RoomName ROOM = RoomName.of("lobby");

    private final RoomcastConfig config = RoomcastConfig.builder().presenceEnabled(false).build();
    private final EnvelopeCodec codec = EnvelopeCodec.of(config);
    private final Hub hub = Hub.create(config, codec, Clock.system());

    @AfterEach
    void stop() {
        hub.stop();
    }

    /**
     * A peer that, the moment its {@code joined} reply is queued, publishes to the room (as a fast
     * client would after reading it) and gives that broadcast up to 200 ms to run before going on.
     */
    private final class EagerPeer implements Peer {
        final List<String> received = new CopyOnWriteArrayList<>();
        volatile CompletableFuture<BroadcastResult> publish;

        @Override
        public ConnectionId id() {
            return ConnectionId.of("eager");
        }

        @Override
        public Identity identity() {
            return Identity.of("eager");
        }

        @Override
        public SendResult send(Frame frame) {
            trySend(frame);
            return SendResult.ENQUEUED;
        }

        @Override
        public boolean trySend(Frame frame) {
            received.add(frame.text());
            if (publish == null && frame.text().contains("\"type\":\"joined\"")) {
                publish = hub.broadcastRoom(ROOM, Envelope.toRoom("message", ROOM, null), Optional.empty());
                try {
                    publish.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // Queued behind the join on the room's lane: exactly what keeps the order.
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return true;
        }

        @Override
        public void close(CloseReason reason) {
        }

        @Override
        public void closeAfterDrain(CloseReason reason) {
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    }

    @Test
    void aMessagePublishedRightAfterTheJoinedReplyReachesTheJoiner() throws Exception {
        EagerPeer eager = new EagerPeer();
        hub.tryConnect(eager);

        assertThat(hub.tryJoin(eager, "lobby", Optional.empty())).isInstanceOf(JoinResult.Joined.class);

        BroadcastResult result = eager.publish.get(5, TimeUnit.SECONDS);
        assertThat(result.enqueued()).as("the joiner was a recipient").isEqualTo(1);
        assertThat(eager.received).hasSize(2);
        assertThat(eager.received.get(0)).contains("\"type\":\"joined\"");
        assertThat(eager.received.get(1)).contains("\"type\":\"message\"");
    }
}
