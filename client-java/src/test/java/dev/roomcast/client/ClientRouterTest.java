package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.client.internal.ServerEnvelopes;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's explicit event table and the reading of server frames, batched ones included. */
class ClientRouterTest {
    record Chat(String text) {
    }

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);

    @Test
    void aRegisteredTypeGetsItsPayloadBoundAndTheRestGoesToOtherwise() throws Exception {
        List<String> seen = new ArrayList<>();
        ClientRouter router = ClientRouter.builder()
                .on("message", Chat.class, (e, chat) -> seen.add(e.from().orElseThrow() + ":" + chat.text()))
                .otherwise(e -> seen.add("other:" + e.type()))
                .build();
        for (Envelope e : ServerEnvelopes.decodeFrame(codec,
                "{\"type\":\"message\",\"room\":\"lobby\",\"from\":\"bob\",\"payload\":{\"text\":\"hi\"}}\n"
                        + "{\"type\":\"presence\",\"room\":\"lobby\",\"payload\":{}}\n"
                        + "{\"type\":\"message\",\"payload\":[1]}")) {
            router.dispatch(e, codec);
        }
        assertThat(seen).containsExactly("bob:hi", "other:presence", "other:message");
    }

    @Test
    void aBatchedFrameIsSplitIntoItsEnvelopesAndLinesThatAreNoEnvelopeAreSkipped() {
        List<Envelope> envelopes = ServerEnvelopes.decodeFrame(codec,
                "{\"type\":\"a\",\"id\":\"1\"}\nnot json\n{\"no\":\"type\"}\n\n{\"type\":\"b\",\"payload\":{\"t\":\"x\\ny\"}}");
        assertThat(envelopes).extracting(Envelope::type).containsExactly("a", "b");
        assertThat(envelopes.get(0).id()).contains("1");
        assertThat(envelopes.get(1).payload().path("t").asText()).isEqualTo("x\ny");
    }

    @Test
    void builtInServerTypesMayBeRegisteredButEachTypeOnlyOnce() {
        ClientRouter.Builder b = ClientRouter.builder().on("joined", JsonNode.class, (e, p) -> { });
        assertThatThrownBy(() -> b.on("joined", JsonNode.class, (e, p) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
        assertThat(b.build().types()).containsExactly("joined");
    }
}
