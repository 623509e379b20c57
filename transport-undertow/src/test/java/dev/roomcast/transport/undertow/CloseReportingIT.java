package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a connection's end is reported to {@code ConnectionListener}s: exactly once, with the code
 * sent or received, and 1006 when the connection ended without any close frame.
 */
@Timeout(30)
class CloseReportingIT {
    private final RecordingListener listener = new RecordingListener();
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().presenceEnabled(false).workerCount(2).jobQueueSize(64).build())
                .listener(listener)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aClientsCloseFrameIsReportedOnceWithItsCode() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws?room=lobby", "alice")) {
            listener.await(RecordingListener.Opened.class);
            ws.sendClose(4001);

            assertThat(ws.awaitCloseCode()).as("the server echoes the close").isEqualTo(4001);
            // the server ends the TCP connection itself at once (RFC 6455 §7.1.1), without waiting for
            // the client's FIN, which this client never sends
            long echoed = System.nanoTime();
            RecordingListener.Closed closed = listener.awaitClosed();
            assertThat(Duration.ofNanos(System.nanoTime() - echoed)).isLessThan(Duration.ofSeconds(1));
            assertThat(closed.code()).isEqualTo(4001);
            assertThat(closed.peer().identity().subject()).isEqualTo("alice");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
            assertThat(server.hub().roomCount(RoomName.of("lobby"))).isZero();
            listener.assertNoMore(RecordingListener.Closed.class, Duration.ofMillis(200));
        }
    }

    @Test
    void aJdkClientClosingNormallyIsReportedWith1000() {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        alice.close();

        assertThat(listener.awaitClosed().code()).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
    }

    @Test
    void aConnectionDroppedWithoutACloseFrameIsReportedWith1006() throws IOException {
        RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws?room=lobby", "alice");
        listener.await(RecordingListener.Opened.class);
        ws.close(); // TCP FIN, no close frame

        assertThat(listener.awaitClosed().code()).isEqualTo(1006);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
        assertThat(server.hub().registrationCount()).isZero();
        listener.assertNoMore(RecordingListener.Closed.class, Duration.ofMillis(200));
    }

    @Test
    void aProtocolErrorTheTransportDetectsIsReportedWith1002() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws?room=lobby", "alice")) {
            listener.await(RecordingListener.Opened.class);
            ws.sendFrame(RawWebSocket.OP_PING, true, 0, false, new byte[0]); // unmasked: RFC 6455 §5.1

            assertThat(ws.awaitCloseCode()).isEqualTo(1002);
            RecordingListener.Closed closed = listener.awaitClosed();
            assertThat(closed.code()).isEqualTo(1002);
            assertThat(closed.reason()).isEqualTo("protocol error");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
            assertThat(server.hub().roomCount(RoomName.of("lobby"))).isZero();
            listener.assertNoMore(RecordingListener.Closed.class, Duration.ofMillis(200));
        }
    }
}
