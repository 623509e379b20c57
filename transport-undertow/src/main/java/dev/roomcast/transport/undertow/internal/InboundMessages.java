package dev.roomcast.transport.undertow.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomName;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The decisions an inbound data frame's payload meets before anything handles it, as pure functions
 * {@link Connection} calls in this order: the size limit while the fragments arrive
 * ({@link #overLimit}), a binary frame ({@link #binaryFrame}), UTF-8 and the inbound rate once the
 * message is whole ({@link #checkText}), the envelope decode ({@link #decode}), and the explicit
 * dispatch by {@code type} ({@link #route}). Each outcome is a close with a precise code, an
 * {@code error} event (the connection stays open), or the envelope and where it goes. No socket,
 * no hub: the fuzz test drives the same functions the I/O thread and the reader run. None blocks.
 */
public final class InboundMessages {
    private InboundMessages() {
    }

    /** What a whole text message turned into: a close, or text to decode. */
    public sealed interface Checked {
    }

    /** What a message's text turned into: an {@code error} event, or an envelope to dispatch. */
    public sealed interface Decoded {
    }

    /** The connection ends with {@code reason}: 1003 binary, 1007 not UTF-8, 1008 rate, 1009 too big. */
    public record Close(CloseReason reason) implements Checked {
        public Close {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Valid UTF-8 within the rate: the message's text. */
    public record Text(String text) implements Checked {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Answered with an {@code error} event carrying {@code code}, {@code message} and the client's id; the connection stays open. */
    public record Reply(ErrorCode code, String message, Optional<String> id) implements Decoded {
        public Reply {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(id, "id");
        }
    }

    /** A decoded envelope, to be dispatched by {@link #route}. */
    public record Dispatch(Envelope envelope) implements Decoded {
        public Dispatch {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /** Where a decoded envelope goes: a built-in event with a valid room, a pong, an application handler, or a refusal. */
    public sealed interface Route {
        /** {@code join} of a valid room, with the {@code payload.password} string if there is one. */
        record Join(RoomName room, Optional<String> password) implements Route {
        }

        /** {@code leave} of a valid room. */
        record Leave(RoomName room) implements Route {
        }

        /** {@code publish} to a valid room. */
        record Publish(RoomName room) implements Route {
        }

        /** {@code ping}: answered with {@code pong}. */
        record Ping() implements Route {
        }

        /** Any other type: the application's router decides (an unknown type is {@code UNKNOWN_TYPE}). */
        record Application(String type) implements Route {
        }

        /** A built-in event the connection refuses with an {@code error} event of {@code code}. */
        record Refused(ErrorCode code, String detail) implements Route {
        }
    }

    /**
     * Whether {@code read} more bytes on top of {@code sizeSoFar} exceed {@code limit}; if so, the
     * message is refused at its first byte too many with {@link #tooBig}, never buffered whole.
     */
    public static boolean overLimit(long sizeSoFar, long read, long limit) {
        return sizeSoFar + read > limit;
    }

    /** The close of a message over {@code limit} bytes: 1009. */
    public static Close tooBig(long limit) {
        return new Close(CloseReason.of(CloseCode.MESSAGE_TOO_BIG, "message larger than " + limit + " bytes"));
    }

    /** The close of any binary frame: the protocol is JSON text, so 1003. */
    public static Close binaryFrame() {
        return new Close(CloseReason.of(CloseCode.UNSUPPORTED_DATA, "binary frames are not accepted"));
    }

    /**
     * Checks a whole text message: strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
     * above U+10FFFF) else 1007, then one token of the inbound rate else 1008. The rate is asked only
     * for valid text, so a close for bad UTF-8 costs the client nothing.
     */
    public static Checked checkText(byte[] bytes, int size, BooleanSupplier withinRate) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, size))
                    .toString();
        } catch (CharacterCodingException e) {
            return new Close(CloseReason.of(CloseCode.INVALID_PAYLOAD, "text is not valid UTF-8"));
        }
        if (!withinRate.getAsBoolean()) {
            return new Close(CloseReason.of(CloseCode.POLICY_VIOLATION, "inbound message rate exceeded"));
        }
        return new Text(text);
    }

    /** Decodes a message's text: an envelope, or the {@code error} event its failure is answered with. */
    public static Decoded decode(String text, EnvelopeCodec codec) {
        return switch (codec.decode(text)) {
            case DecodeResult.Failed failed -> new Reply(failed.code(), failed.detail(), failed.id());
            case DecodeResult.Decoded decoded -> new Dispatch(decoded.envelope());
        };
    }

    /**
     * Where an envelope is dispatched, explicitly by {@code type}. {@code join}, {@code leave} and
     * {@code publish} need a valid room (the envelope's {@code room}, else a string {@code payload.room}),
     * else {@code INVALID_ROOM}.
     */
    public static Route route(Envelope envelope) {
        return switch (envelope.type()) {
            case "join" -> {
                Optional<RoomName> room = RoomName.parse(roomOf(envelope));
                if (room.isEmpty()) {
                    yield new Route.Refused(ErrorCode.INVALID_ROOM, "join with an invalid room name");
                }
                Optional<String> password = Optional.ofNullable(envelope.payload().get("password"))
                        .filter(JsonNode::isTextual).map(JsonNode::textValue);
                yield new Route.Join(room.get(), password);
            }
            case "leave" -> RoomName.parse(roomOf(envelope)).<Route>map(Route.Leave::new)
                    .orElse(new Route.Refused(ErrorCode.INVALID_ROOM, "leave with an invalid room name"));
            case "publish" -> RoomName.parse(roomOf(envelope)).<Route>map(Route.Publish::new)
                    .orElse(new Route.Refused(ErrorCode.INVALID_ROOM, "publish with an invalid room name"));
            case "ping" -> new Route.Ping();
            default -> new Route.Application(envelope.type());
        };
    }

    private static String roomOf(Envelope envelope) {
        if (envelope.room().isPresent()) {
            return envelope.room().get();
        }
        JsonNode room = envelope.payload().get("room");
        return room != null && room.isTextual() ? room.textValue() : null;
    }
}
