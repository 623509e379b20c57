package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {
    private final EnvelopeCodec codec = new EnvelopeCodec(64);

    private DecodeResult.Failed failed(String text) {
        DecodeResult r = codec.decode(text);
        assertThat(r).isInstanceOf(DecodeResult.Failed.class);
        return (DecodeResult.Failed) r;
    }

    @Test
    void aWellFormedEnvelopeDecodesWithAllItsFields() {
        DecodeResult r = new EnvelopeCodec(1024)
                .decode("{\"type\":\"publish\",\"room\":\"lobby\",\"id\":\"7\",\"payload\":{\"text\":\"hi\"}}");
        Envelope e = ((DecodeResult.Decoded) r).envelope();
        assertThat(e.type()).isEqualTo("publish");
        assertThat(e.room()).contains("lobby");
        assertThat(e.id()).contains("7");
        assertThat(e.payload().path("text").asText()).isEqualTo("hi");
    }

    @Test
    void aNumberWhoseExponentIsBeyondAnIntIsAMalformedMessageNotAnException() {
        EnvelopeCodec wide = new EnvelopeCodec(1024);

        DecodeResult.Failed f = (DecodeResult.Failed) wide.decode(
                "{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":[1,1e34567890123]}");

        assertThat(f.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertThat(f.detail()).isEqualTo("expected a JSON object but a number's exponent is out of range");
        assertThat(wide.decode("{\"type\":\"a\",\"payload\":[[5e336666666666666666666]]}"))
                .isInstanceOf(DecodeResult.Failed.class);
        assertThat(wide.decode("{\"type\":\"a\",\"payload\":1e999999999}")).as("an exponent that fits an int")
                .isInstanceOf(DecodeResult.Decoded.class);
    }

    @Test
    void aNumberBeyondADoubleAndADecimalsZerosArePassedOnAsTheClientWroteThem() {
        EnvelopeCodec wide = new EnvelopeCodec(1024);
        DecodeResult r = wide.decode("{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":{\"big\":1e911234563,\"price\":1.50}}");
        Envelope in = ((DecodeResult.Decoded) r).envelope();

        String out = wide.encode(Envelope.toRoom("message", RoomName.of("lobby"), in.payload())).text();

        assertThat(out).doesNotContain("Infinity").contains("\"big\":1E+911234563", "\"price\":1.50");
        assertThat(wide.readPayload(in.payload().path("price"), double.class)).isEqualTo(1.5);
    }

    @Test
    void malformedJsonIsATypedFailureNotAnException() {
        assertThat(failed("{nope").code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertThat(failed("[1,2]").code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertThat(failed("{\"type\":\"a\"} trailing").code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
    }

    @Test
    void aMissingTypeIsReportedWithTheClientsId() {
        DecodeResult.Failed f = failed("{\"id\":\"abc\",\"payload\":1}");
        assertThat(f.code()).isEqualTo(ErrorCode.MISSING_TYPE);
        assertThat(f.id()).contains("abc");
        assertThat(failed("{\"type\":\"\"}").code()).isEqualTo(ErrorCode.MISSING_TYPE);
    }

    @Test
    void aMessageAtTheLimitDecodesAndOneByteOverIsTooLarge() {
        String prefix = "{\"type\":\"t\",\"payload\":\"";
        String suffix = "\"}";
        String atLimit = prefix + "x".repeat(64 - prefix.length() - suffix.length()) + suffix;
        assertThat(atLimit).hasSize(64);
        assertThat(codec.decode(atLimit)).isInstanceOf(DecodeResult.Decoded.class);
        String over = prefix + "x".repeat(65 - prefix.length() - suffix.length()) + suffix;
        assertThat(failed(over).code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void multiByteCharactersCountAsTheirUtf8Bytes() {
        String prefix = "{\"type\":\"t\",\"payload\":\"";
        String suffix = "\"}";
        // 20 chars of 3 bytes each = 60 bytes: far over 64 bytes with the 25 bytes of framing.
        assertThat(failed(prefix + "€".repeat(20) + suffix).code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void theServerSetsFromAndIgnoresAClientsClaimToIt() {
        Envelope e = ((DecodeResult.Decoded) codec.decode("{\"type\":\"publish\",\"from\":\"mallory\"}")).envelope();
        assertThat(e.from()).isEmpty();
    }

    @Test
    void encodingWritesOnlyPresentFieldsAndRoundTrips() {
        EnvelopeCodec big = new EnvelopeCodec(1024);
        Envelope e = new Envelope("message", Optional.of("lobby"), Optional.empty(), Optional.of("alice"),
                JsonNodeFactory.instance.objectNode().put("text", "hi"));
        String text = big.encode(e).text();
        assertThat(text).isEqualTo("{\"type\":\"message\",\"room\":\"lobby\",\"from\":\"alice\",\"payload\":{\"text\":\"hi\"}}");
        Envelope back = ((DecodeResult.Decoded) big.decode(text)).envelope();
        assertThat(back.payload()).isEqualTo(e.payload());
    }

    @Test
    void aPayloadThatDoesNotBindIsAnInvalidPayloadError() {
        record Move(int x, int y) {
        }
        EnvelopeCodec big = new EnvelopeCodec(1024);
        assertThat(big.readPayload(big.parseJson("{\"x\":1,\"y\":2}").orElseThrow(), Move.class)).isEqualTo(new Move(1, 2));
        assertThatThrownBy(() -> big.readPayload(big.parseJson("{\"x\":\"left\"}").orElseThrow(), Move.class))
                .isInstanceOf(RoomcastException.class)
                .satisfies(t -> assertThat(((RoomcastException) t).code()).isEqualTo(ErrorCode.INVALID_PAYLOAD))
                .hasMessageNotContaining("left");
    }

    @Test
    void aMissingPayloadForATypedHandlerIsAnInvalidPayloadErrorNotANull() {
        record Move(int x) {
        }
        EnvelopeCodec big = new EnvelopeCodec(1024);
        Envelope noPayload = ((DecodeResult.Decoded) big.decode("{\"type\":\"move\"}")).envelope();
        assertThatThrownBy(() -> big.readPayload(noPayload.payload(), Move.class))
                .isInstanceOfSatisfying(RoomcastException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PAYLOAD));
        assertThat(big.readPayload(noPayload.payload(), Void.class)).isNull();
        assertThat(big.readPayload(noPayload.payload(), com.fasterxml.jackson.databind.JsonNode.class).isNull()).isTrue();
        assertThatThrownBy(() -> big.readPayload(big.parseJson("{\"x\":1}").orElseThrow(), Void.class))
                .isInstanceOf(RoomcastException.class);
    }

    @Test
    void deeplyNestedInputIsRefusedInsteadOfExhaustingTheStack() {
        EnvelopeCodec big = new EnvelopeCodec(10_000);
        String deep = "{\"type\":\"t\",\"payload\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        assertThat(((DecodeResult.Failed) big.decode(deep)).code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
    }

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aTraceparentTravelsThroughDecodeAndEncode() {
        EnvelopeCodec big = new EnvelopeCodec(1024);
        Envelope e = ((DecodeResult.Decoded) big.decode(
                "{\"type\":\"publish\",\"room\":\"lobby\",\"traceparent\":\"" + TRACEPARENT + "\"}")).envelope();
        assertThat(e.traceparent()).contains(TRACEPARENT);
        assertThat(big.encode(e).text())
                .isEqualTo("{\"type\":\"publish\",\"room\":\"lobby\",\"traceparent\":\"" + TRACEPARENT + "\"}");
        assertThat(e.withId(Optional.of("1")).withFrom("alice").traceparent()).as("copies keep it").contains(TRACEPARENT);
    }

    @Test
    void aMalformedTraceparentIsIgnoredAndTheMessageStillDecodes() {
        EnvelopeCodec big = new EnvelopeCodec(1024);
        for (String bad : new String[] {"\"nope\"", "42", "\"" + TRACEPARENT.toUpperCase() + "\"",
                "\"ff" + TRACEPARENT.substring(2) + "\"", "\"00-00000000000000000000000000000000-00f067aa0ba902b7-01\"",
                "\"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01\"", "\"" + TRACEPARENT + "-extra\""}) {
            DecodeResult r = big.decode("{\"type\":\"ping\",\"traceparent\":" + bad + "}");
            assertThat(r).as(bad).isInstanceOf(DecodeResult.Decoded.class);
            assertThat(((DecodeResult.Decoded) r).envelope().traceparent()).as(bad).isEmpty();
        }
    }

    @Test
    void theFiveArgumentConstructorHasNoTraceparentAndEncodesAsBefore() {
        Envelope e = new Envelope("pong", Optional.empty(), Optional.of("9"), Optional.empty(), null);
        assertThat(e.traceparent()).isEmpty();
        assertThat(e).isEqualTo(new Envelope("pong", Optional.empty(), Optional.of("9"), Optional.empty(), null, Optional.empty()));
        assertThat(codec.encode(e).text()).isEqualTo("{\"type\":\"pong\",\"id\":\"9\"}");
        assertThatThrownBy(() -> e.withTraceparent(Optional.of("bogus"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void utf8LengthCountsEncodedBytes() {
        assertThat(EnvelopeCodec.utf8Length("a\u00e9\u20ac\uD83D\uDE00")).isEqualTo(1 + 2 + 3 + 4);
    }

    @Test
    void virtualThreadsOneAfterAnotherReuseOneSetOfBuffers() throws InterruptedException {
        // With Jackson's default thread-local pool, every fresh virtual thread would allocate its own
        // buffers and this pool would not count anything.
        EnvelopeCodec fresh = new EnvelopeCodec(1024);
        RecyclerPool<BufferRecycler> pool = fresh.mapper().getFactory()._getRecyclerPool();

        for (int i = 0; i < 50; i++) {
            int n = i;
            Thread t = Thread.ofVirtual().start(() -> {
                Frame frame = fresh.encode(Envelope.of("message", JsonNodeFactory.instance.objectNode().put("n", n)));
                assertThat(fresh.decode(frame.text())).isInstanceOf(DecodeResult.Decoded.class);
            });
            assertThat(t.join(Duration.ofSeconds(5))).isTrue();
        }

        assertThat(pool.pooledCount()).as("buffer recyclers kept after 50 virtual threads, one at a time").isEqualTo(1);
    }

    @Test
    void manyVirtualThreadsEncodingAndDecodingAtOnceEachGetTheirOwnResult() throws InterruptedException {
        EnvelopeCodec shared = new EnvelopeCodec(1 << 16);
        int threads = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger correct = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int n = i;
            started.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await(5, TimeUnit.SECONDS);
                    // texts of different lengths and scripts, so buffers handed between threads would show
                    String text = "é-" + n + "-" + "ü".repeat(n % 300) + "-€";
                    Frame frame = shared.encode(Envelope.toRoom("message", RoomName.of("room-" + n),
                            JsonNodeFactory.instance.objectNode().put("n", n).put("text", text)).withId(Optional.of("id-" + n)));
                    Envelope back = ((DecodeResult.Decoded) shared.decode(frame.text())).envelope();
                    assertThat(back.type()).isEqualTo("message");
                    assertThat(back.room()).contains("room-" + n);
                    assertThat(back.id()).contains("id-" + n);
                    assertThat(back.payload().get("n").asInt()).isEqualTo(n);
                    assertThat(back.payload().get("text").asText()).isEqualTo(text);
                    correct.incrementAndGet();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }

        go.countDown();
        for (Thread t : started) {
            assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        }

        assertThat(failures).isEmpty();
        assertThat(correct.get()).isEqualTo(threads);
        RecyclerPool<BufferRecycler> pool = shared.mapper().getFactory()._getRecyclerPool();
        assertThat(pool.pooledCount()).as("buffer recyclers kept").isBetween(1, EnvelopeCodec.RECYCLER_POOL_SIZE);
    }
}
