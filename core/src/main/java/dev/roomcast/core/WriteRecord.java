package dev.roomcast.core;

/**
 * One write of a connection's single writer: everything it drained from the send queue in one
 * pass, handed to the socket at once (DESIGN §3, coalesced writes).
 *
 * @param frames     WebSocket text frames written: 1 with {@code roomcast.batch.v1}, else one per envelope
 * @param envelopes  envelopes those frames carry
 * @param bytes      payload bytes of those frames (newline separators included, frame headers not)
 * @param queueDepth frames that were queued when the writer drained: these envelopes plus any left
 *                   for the next pass
 */
public record WriteRecord(int frames, int envelopes, long bytes, int queueDepth) {

    public WriteRecord {
        if (frames < 1 || envelopes < frames || bytes < 0 || queueDepth < envelopes) {
            throw new IllegalArgumentException("write record: expected 1 <= frames <= envelopes <= queueDepth and"
                    + " bytes >= 0 but was frames=" + frames + " envelopes=" + envelopes + " queueDepth=" + queueDepth
                    + " bytes=" + bytes);
        }
    }
}
