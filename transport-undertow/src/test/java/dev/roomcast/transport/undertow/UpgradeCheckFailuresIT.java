package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A token authenticator or room authorizer that throws is a bug or an outage, not a refusal: the
 * upgrade is answered {@code 500 INTERNAL} with the contract's JSON body (never Undertow's bare 500,
 * never the exception's message), nothing stays reserved, and the server goes on serving. A room
 * authorizer whose {@code mayBlock(request)} throws is treated as one that may block.
 */
@Timeout(30)
class UpgradeCheckFailuresIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_MARKER = "secret-marker-7d41";
    private TestServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    private void assertRefusedWithInternalError(String target) throws IOException {
        try (RawWebSocket ws = RawWebSocket.open(server.port())) {
            RawWebSocket.Response response = ws.upgrade(target, FakeTokens.bearer("alice"));
            assertThat(response.status()).isEqualTo(500);
            assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("INTERNAL");
            assertThat(response.body()).doesNotContain(SECRET_MARKER);
        }
        assertThat(server.hub().activeConnectionCount()).isZero();
        assertThat(server.hub().rooms()).isEmpty();
    }

    @ParameterizedTest(name = "authorizer may block: {0}")
    @ValueSource(booleans = {false, true})
    void aRoomAuthorizerThatThrowsRefusesWith500AndTheContractsBody(boolean mayBlock) throws IOException {
        RoomAuthorizer throwing = new RoomAuthorizer() {
            @Override
            public RoomDecision authorize(RoomAccessRequest request) {
                if (request.room().toString().equals("broken")) {
                    throw new IllegalStateException("acl store down: " + SECRET_MARKER);
                }
                return RoomDecision.allowed();
            }

            @Override
            public boolean mayBlock() {
                return mayBlock;
            }
        };
        server = TestServer.builder().config(RoomcastConfig.builder().presenceEnabled(false).build())
                .tokenAuthenticator(FakeTokens.neverBlocking()).roomAuthorizer(throwing).start();

        assertRefusedWithInternalError("/ws?room=lobby,broken");
        TestClient bob = server.connect("bob", "?room=lobby");
        assertThat(bob.next().path("type").asText()).as("the server goes on").isEqualTo("joined");
    }

    @Test
    void aTokenAuthenticatorThatThrowsRefusesWith500AndTheContractsBody() throws IOException {
        TokenAuthenticator throwing = new TokenAuthenticator() {
            @Override
            public dev.roomcast.core.AuthResult authenticate(String token) {
                throw new IllegalStateException("key store down: " + SECRET_MARKER);
            }

            @Override
            public boolean mayBlock() {
                return false;
            }
        };
        server = TestServer.builder().tokenAuthenticator(throwing).start();

        assertRefusedWithInternalError("/ws?room=lobby");
    }

    @Test
    void aRoomAuthorizerWhoseMayBlockThrowsIsAskedOffTheIoThread() {
        UpgradeThreadingIT.RecordingRooms rooms = new UpgradeThreadingIT.RecordingRooms(false, request -> {
            throw new IllegalStateException("cannot tell");
        });
        server = TestServer.builder().config(RoomcastConfig.builder().presenceEnabled(false).build())
                .tokenAuthenticator(FakeTokens.neverBlocking()).roomAuthorizer(rooms).start();

        TestClient alice = server.connect("alice", "?room=lobby");
        assertThat(alice.next().path("type").asText()).isEqualTo("joined");
        assertThat(rooms.callers).singleElement().matches(FakeTokens.Caller::isVirtual, "a virtual thread");
    }
}
