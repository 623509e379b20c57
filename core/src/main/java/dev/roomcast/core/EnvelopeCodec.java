package dev.roomcast.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Turns text messages into {@link Envelope}s and envelopes into shareable {@link Frame}s, with one
 * configured Jackson {@link ObjectMapper}. Decoding never throws: bad input becomes a
 * {@link DecodeResult.Failed} the transport answers with an {@code error} event. Thread-safe, and
 * cheap on virtual threads: its parser and generator buffers come from a pool shared by every thread
 * that uses the codec, not from a per-thread cache a short-lived virtual thread would fill once and drop.
 */
public final class EnvelopeCodec {

    /** Longest accepted correlation id, in characters. */
    public static final int MAX_ID_LENGTH = 128;
    /** Longest accepted event type, in characters. */
    public static final int MAX_TYPE_LENGTH = 64;
    private static final int MAX_NESTING_DEPTH = 64;
    /**
     * Buffer recyclers the codec keeps for reuse. Encoding and decoding never block, so no more run
     * at once than there are threads on a CPU (carriers, I/O threads, broadcast lanes); this covers
     * them on a typical server while capping what stays allocated. A recycler released to a full
     * pool is dropped, never waited for.
     */
    static final int RECYCLER_POOL_SIZE = 32;

    private final ObjectMapper mapper;
    private final long maxMessageBytes;

    /** Creates a codec that refuses messages longer than {@code maxMessageBytes} UTF-8 bytes. */
    public EnvelopeCodec(long maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes: expected > 0 but was " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
        JsonFactory factory = JsonFactory.builder()
                // Jackson's default pool keeps each thread's parser and generator buffers (~30 KB) in a
                // thread-local. Connections run on virtual threads, many and short-lived, so that pool
                // allocated fresh buffers for nearly every message (or kept a set per connection).
                // This pool is shared by all threads using this codec and bounded.
                .recyclerPool(JsonRecyclerPools.newBoundedPool(RECYCLER_POOL_SIZE))
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // A relay must pass numbers on as it got them: read as doubles, 1e400 became
                // Infinity and was re-encoded as the string "Infinity" (found by fuzzing), and 1.50
                // lost its zero. Decimals stay exact; a handler reading a double still gets one.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }

    /** Creates a codec with the message limit of {@code config}. */
    public static EnvelopeCodec of(RoomcastConfig config) {
        return new EnvelopeCodec(config.maxMessageBytes());
    }

    /** Decodes one client message. Never throws. */
    public DecodeResult decode(String text) {
        if (text == null) {
            return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE, "expected a JSON object but was nothing", Optional.empty());
        }
        // A UTF-8 byte is at least one char, so the char count bounds the byte count from below.
        if (text.length() > maxMessageBytes || utf8Length(text) > maxMessageBytes) {
            return new DecodeResult.Failed(ErrorCode.PAYLOAD_TOO_LARGE,
                    "expected at most " + maxMessageBytes + " bytes", Optional.empty());
        }
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE,
                    "expected a JSON object but the text is not valid JSON", Optional.empty());
        } catch (NumberFormatException e) {
            // Decimals are read exactly, and Jackson throws this (unchecked) for an exponent beyond an
            // int, such as 1e34567890123 (found by fuzzing): it would have escaped decode and ended the
            // connection's reader instead of answering the client.
            return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE,
                    "expected a JSON object but a number's exponent is out of range", Optional.empty());
        }
        if (root == null || !root.isObject()) {
            return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE,
                    "expected a JSON object but was " + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()),
                    Optional.empty());
        }
        JsonNode idNode = root.get("id");
        Optional<String> id = Optional.empty();
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual() || idNode.textValue().length() > MAX_ID_LENGTH) {
                return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE,
                        "expected id to be a string of at most " + MAX_ID_LENGTH + " characters", Optional.empty());
            }
            id = Optional.of(idNode.textValue());
        }
        JsonNode typeNode = root.get("type");
        if (typeNode == null || typeNode.isNull() || (typeNode.isTextual() && typeNode.textValue().isEmpty())) {
            return new DecodeResult.Failed(ErrorCode.MISSING_TYPE, "expected a non-empty string field \"type\"", id);
        }
        if (!typeNode.isTextual() || typeNode.textValue().length() > MAX_TYPE_LENGTH) {
            return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE,
                    "expected type to be a string of at most " + MAX_TYPE_LENGTH + " characters", id);
        }
        JsonNode roomNode = root.get("room");
        Optional<String> room = Optional.empty();
        if (roomNode != null && !roomNode.isNull()) {
            if (!roomNode.isTextual()) {
                return new DecodeResult.Failed(ErrorCode.MALFORMED_MESSAGE, "expected room to be a string", id);
            }
            room = Optional.of(roomNode.textValue());
        }
        JsonNode payload = root.get("payload");
        // A trace context is a hint, never a reason to refuse a message: a malformed one is dropped.
        JsonNode traceNode = root.get("traceparent");
        Optional<String> traceparent = traceNode != null && traceNode.isTextual()
                && Envelope.isValidTraceparent(traceNode.textValue()) ? Optional.of(traceNode.textValue()) : Optional.empty();
        // "from" is the server's to set; whatever a client sends there is ignored.
        return new DecodeResult.Decoded(new Envelope(typeNode.textValue(), room, id, Optional.empty(),
                payload == null ? NullNode.getInstance() : payload, traceparent));
    }

    /** Encodes an envelope once into a frame that can be shared by every recipient. */
    public Frame encode(Envelope envelope) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + envelope.type().length());
        try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("type", envelope.type());
            if (envelope.room().isPresent()) {
                gen.writeStringField("room", envelope.room().get());
            }
            if (envelope.id().isPresent()) {
                gen.writeStringField("id", envelope.id().get());
            }
            if (envelope.from().isPresent()) {
                gen.writeStringField("from", envelope.from().get());
            }
            if (envelope.traceparent().isPresent()) {
                gen.writeStringField("traceparent", envelope.traceparent().get());
            }
            if (!envelope.payload().isNull() && !envelope.payload().isMissingNode()) {
                gen.writeFieldName("payload");
                mapper.writeTree(gen, envelope.payload());
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an envelope into memory failed", e);
        }
        return Frame.ofOwnedUtf8(out.toByteArray());
    }

    /**
     * Converts a payload tree into an application type; a missing, null or mismatched payload throws
     * {@link RoomcastException} with {@link ErrorCode#INVALID_PAYLOAD}. Events without a payload
     * register {@code Void.class} (the handler gets null) or {@code JsonNode.class} (it gets a null node).
     */
    public <T> T readPayload(JsonNode payload, Class<T> type) {
        if (payload == null || payload.isNull() || payload.isMissingNode()) {
            if (type == Void.class) {
                return null; // an event registered with Void carries no payload by design
            }
            if (type.isAssignableFrom(NullNode.class)) {
                return type.cast(NullNode.getInstance());
            }
            // Jackson would hand the handler a null; a typed handler is promised a value.
            throw new RoomcastException(ErrorCode.INVALID_PAYLOAD, "no payload for " + type.getSimpleName());
        }
        if (type == Void.class) {
            throw new RoomcastException(ErrorCode.INVALID_PAYLOAD, "expected no payload");
        }
        try {
            return mapper.treeToValue(payload, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // The parser's message may quote the client's input, so only the exception kind is kept.
            throw new RoomcastException(ErrorCode.INVALID_PAYLOAD,
                    "payload does not bind to " + type.getSimpleName() + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Converts an application value into a payload tree. */
    public JsonNode toPayload(Object value) {
        return mapper.valueToTree(value);
    }

    /** Parses JSON text into a tree (for payloads that arrive outside an envelope, such as admin broadcasts). */
    public Optional<JsonNode> parseJson(String text) {
        try {
            return Optional.ofNullable(mapper.readTree(text));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** The configured mapper, for application codecs that must agree with Roomcast's settings. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** Builds an {@code error} event for {@code code}, echoing the client's id. */
    public Envelope errorEvent(ErrorCode code, String message, Optional<String> id) {
        var payload = mapper.createObjectNode().put("code", code.name()).put("message", message);
        return new Envelope("error", Optional.empty(), id, Optional.empty(), payload);
    }

    /** The UTF-8 encoded length of {@code text}, in bytes, counted without encoding it. */
    public static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

}
