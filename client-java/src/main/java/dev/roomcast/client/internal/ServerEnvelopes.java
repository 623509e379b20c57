package dev.roomcast.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.StreamPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads what a server sends: one envelope per frame, or several separated by newlines under
 * {@code roomcast.batch.v1}. Unlike {@link EnvelopeCodec#decode}, which reads client messages and so
 * drops {@code from}, this keeps {@code from}: on the client it is the server's word on the sender.
 */
public final class ServerEnvelopes {
    private ServerEnvelopes() {
    }

    /**
     * The envelopes in one text frame, in order. Splitting on newlines is safe in both subprotocols:
     * JSON escapes a newline inside a string, so a raw one only ever separates envelopes. A line that
     * is not an envelope (not JSON, not an object, no text {@code type}) is skipped.
     */
    public static List<Envelope> decodeFrame(EnvelopeCodec codec, String frame) {
        List<Envelope> out = new ArrayList<>(1);
        for (Received r : decodeFrameWithPositions(codec, frame)) {
            out.add(r.envelope());
        }
        return out;
    }

    /**
     * An envelope as received, with the room position a message of a history room carries
     * ({@code "offset"} and {@code "epoch"} beside {@code type}); empty for every other envelope.
     */
    public record Received(Envelope envelope, Optional<StreamPosition> position) {
    }

    /** {@link #decodeFrame}, keeping each envelope's room position. */
    public static List<Received> decodeFrameWithPositions(EnvelopeCodec codec, String frame) {
        List<Received> out = new ArrayList<>(1);
        int start = 0;
        while (start <= frame.length()) {
            int end = frame.indexOf('\n', start);
            if (end < 0) {
                end = frame.length();
            }
            String line = frame.substring(start, end).strip();
            if (!line.isEmpty()) {
                decode(codec, line).ifPresent(out::add);
            }
            start = end + 1;
        }
        return out;
    }

    private static Optional<Received> decode(EnvelopeCodec codec, String line) {
        Optional<JsonNode> parsed = codec.parseJson(line);
        if (parsed.isEmpty() || !parsed.get().isObject()) {
            return Optional.empty();
        }
        JsonNode root = parsed.get();
        Optional<String> type = text(root, "type");
        if (type.isEmpty() || type.get().isEmpty()) {
            return Optional.empty();
        }
        Optional<String> traceparent = text(root, "traceparent").filter(Envelope::isValidTraceparent);
        Envelope envelope = new Envelope(type.get(), text(root, "room"), text(root, "id"), text(root, "from"),
                root.get("payload"), traceparent);
        return Optional.of(new Received(envelope, position(root)));
    }

    /** The {@code offset} and {@code epoch} of a history room's message, when both are present and valid. */
    private static Optional<StreamPosition> position(JsonNode root) {
        JsonNode offset = root.get("offset");
        Optional<String> epoch = text(root, "epoch");
        if (offset == null || !offset.canConvertToExactIntegral() || offset.asLong() < 0
                || epoch.isEmpty() || !StreamPosition.isValidEpoch(epoch.get())) {
            return Optional.empty();
        }
        return Optional.of(StreamPosition.of(offset.asLong(), epoch.get()));
    }

    private static Optional<String> text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
    }
}
