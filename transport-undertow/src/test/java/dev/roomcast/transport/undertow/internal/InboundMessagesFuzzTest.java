package dev.roomcast.transport.undertow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomName;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fuzzes what happens to an inbound data frame's payload before the hub, through the functions
 * {@link Connection} runs ({@link InboundMessages}): the size limit over fragments of any size, the
 * binary refusal, UTF-8 and the inbound rate, the envelope decode, and the dispatch by type. The
 * first input byte picks the frame kind, the limit, the read size and whether the rate has a token
 * left; the rest is the payload.
 *
 * <p>Invariants: every payload ends in exactly one of a close with a precise code (1003 binary, 1009
 * iff over the limit, 1007 iff not UTF-8 by an independent RFC 3629 check, 1008 iff valid but out of
 * rate), an {@code error} event whose JSON (read back by Jackson) is exactly type, id and a payload of
 * code and message, or a dispatch whose built-in
 * events carry a valid room; never an exception. Close reasons fit a close frame.
 */
class InboundMessagesFuzzTest {
    private static final long[] LIMITS = {4096, 64, 16, 1};
    private static final int[] READ_SIZES = {1, 3, 16, 64, 1000, 8192, 2, 7};
    private static final Set<ErrorCode> DECODE_FAILURES =
            Set.of(ErrorCode.MALFORMED_MESSAGE, ErrorCode.MISSING_TYPE, ErrorCode.PAYLOAD_TOO_LARGE);
    private static final Set<String> BUILT_IN = Set.of("join", "leave", "publish", "ping");
    private static final EnvelopeCodec UNBOUNDED = new EnvelopeCodec(Integer.MAX_VALUE);
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "5m")
    void everyInboundPayloadEndsInACloseCodeAnErrorEventOrADispatch(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int flags = input[0] & 0xff;
        boolean binary = (flags & 1) != 0;
        long limit = LIMITS[(flags >> 1) & 3];
        int readSize = READ_SIZES[(flags >> 3) & 7];
        boolean rateLeft = (flags & 0x40) == 0;
        byte[] payload = Arrays.copyOfRange(input, 1, input.length);

        if (binary) {
            assertClose(InboundMessages.binaryFrame(), CloseCode.UNSUPPORTED_DATA);
            return;
        }
        // The reader's loop: count bytes as reads arrive; refuse at the first byte too many.
        long size = 0;
        for (int at = 0; at < payload.length; at += readSize) {
            int read = Math.min(readSize, payload.length - at);
            if (InboundMessages.overLimit(size, read, limit)) {
                assertThat((long) payload.length).as("only a message over the limit is refused").isGreaterThan(limit);
                assertThat(size).as("refused before more than the limit is buffered").isLessThanOrEqualTo(limit);
                assertClose(InboundMessages.tooBig(limit), CloseCode.MESSAGE_TOO_BIG);
                return;
            }
            size += read;
        }
        assertThat((long) payload.length).isLessThanOrEqualTo(limit);

        AtomicInteger rateAsked = new AtomicInteger();
        InboundMessages.Checked checked = InboundMessages.checkText(payload, payload.length, () -> {
            rateAsked.incrementAndGet();
            return rateLeft;
        });
        boolean utf8 = isUtf8(payload);
        switch (checked) {
            case InboundMessages.Close close when !utf8 -> {
                assertClose(close, CloseCode.INVALID_PAYLOAD);
                assertThat(rateAsked).as("invalid text costs no rate token").hasValue(0);
            }
            case InboundMessages.Close close -> {
                assertThat(rateLeft).as("valid text is closed only for the rate").isFalse();
                assertClose(close, CloseCode.POLICY_VIOLATION);
            }
            case InboundMessages.Text text -> {
                assertThat(utf8).as("accepted text is valid UTF-8").isTrue();
                assertThat(rateLeft).isTrue();
                assertThat(rateAsked).hasValue(1);
                assertThat(text.text().getBytes(StandardCharsets.UTF_8)).isEqualTo(payload);
                decodeAndRoute(text.text(), new EnvelopeCodec(limit));
            }
        }
    }

    private static void decodeAndRoute(String text, EnvelopeCodec codec) {
        InboundMessages.Decoded decoded = InboundMessages.decode(text, codec);
        assertThat(InboundMessages.decode(text, codec)).as("decoding is deterministic").isEqualTo(decoded);
        switch (decoded) {
            case InboundMessages.Reply reply -> {
                assertThat(reply.code()).isIn(DECODE_FAILURES);
                assertThat(reply.message()).as("the codec's text, which may quote a field name").startsWith("expected");
                assertErrorEvent(codec, reply.code(), reply.message(), reply.id());
            }
            case InboundMessages.Dispatch dispatch -> {
                Envelope envelope = dispatch.envelope();
                InboundMessages.Route route = InboundMessages.route(envelope);
                assertThat(InboundMessages.route(envelope)).isEqualTo(route);
                switch (route) {
                    case InboundMessages.Route.Join join -> {
                        assertThat(envelope.type()).isEqualTo("join");
                        assertRoomOf(envelope, join.room());
                    }
                    case InboundMessages.Route.Leave leave -> {
                        assertThat(envelope.type()).isEqualTo("leave");
                        assertRoomOf(envelope, leave.room());
                    }
                    case InboundMessages.Route.Publish publish -> {
                        assertThat(envelope.type()).isEqualTo("publish");
                        assertRoomOf(envelope, publish.room());
                    }
                    case InboundMessages.Route.Ping ping -> assertThat(envelope.type()).isEqualTo("ping");
                    case InboundMessages.Route.Application application ->
                            assertThat(application.type()).isEqualTo(envelope.type()).isNotIn(BUILT_IN);
                    case InboundMessages.Route.Refused refused -> {
                        assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_ROOM);
                        assertThat(envelope.type()).isIn("join", "leave", "publish");
                        assertErrorEvent(codec, refused.code(), refused.code().safeMessage(), envelope.id());
                    }
                }
            }
        }
    }

    /**
     * The error event the client gets, read back as JSON by Jackson (not by our codec): exactly
     * {@code type}, the echoed {@code id} when there is one, and a {@code payload} of exactly
     * {@code code} and {@code message}, the message as sent whatever it quotes; and our codec decodes
     * it too, whatever the echoed id holds.
     */
    private static void assertErrorEvent(EnvelopeCodec codec, ErrorCode code, String message, Optional<String> id) {
        String frame = codec.encode(codec.errorEvent(code, message, id)).text();
        JsonNode event;
        try {
            event = JSON.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the error event is not JSON: " + frame, e);
        }
        Set<String> fields = new HashSet<>();
        event.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).as("fields of %s", frame)
                .isEqualTo(id.isPresent() ? Set.of("type", "id", "payload") : Set.of("type", "payload"));
        assertThat(event.path("type").textValue()).isEqualTo("error");
        id.ifPresent(expected -> assertThat(event.path("id").textValue()).isEqualTo(expected));
        JsonNode payload = event.path("payload");
        Set<String> payloadFields = new HashSet<>();
        payload.fieldNames().forEachRemaining(payloadFields::add);
        assertThat(payloadFields).isEqualTo(Set.of("code", "message"));
        assertThat(payload.path("code").textValue()).isEqualTo(code.name());
        assertThat(payload.path("message").textValue()).isEqualTo(message);
        DecodeResult back = UNBOUNDED.decode(frame);
        assertThat(back).isInstanceOf(DecodeResult.Decoded.class);
        assertThat(((DecodeResult.Decoded) back).envelope().id()).isEqualTo(id);
    }

    private static void assertRoomOf(Envelope envelope, RoomName room) {
        JsonNode payloadRoom = envelope.payload().get("room");
        String expected = envelope.room().orElse(payloadRoom != null && payloadRoom.isTextual() ? payloadRoom.textValue() : null);
        assertThat(room.value()).isEqualTo(expected);
    }

    private static void assertClose(InboundMessages.Close close, CloseCode code) {
        CloseReason reason = close.reason();
        assertThat(reason.code()).isEqualTo(code);
        assertThat(reason.reason().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(CloseReason.MAX_REASON_BYTES);
    }

    /** RFC 3629 §4, written out independently of the JDK's decoder: shortest forms, no surrogates, at most U+10FFFF. */
    private static boolean isUtf8(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int n;
            int min;
            if (c < 0x80) {
                i++;
                continue;
            } else if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + n >= b.length) {
                return false;
            }
            int cp = c & (0x3f >> n);
            for (int k = 1; k <= n; k++) {
                int cont = b[i + k] & 0xff;
                if ((cont & 0xc0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cont & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }
}
