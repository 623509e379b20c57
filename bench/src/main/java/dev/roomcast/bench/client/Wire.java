package dev.roomcast.bench.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The load generator's messages, built and read without JSON libraries: a {@code publish} whose
 * payload carries a sequence number and the send time, padded to a fixed payload size, and the
 * few byte scans the receivers need. The same bytes work against Roomcast (which re-encodes the
 * payload into a {@code message} event, keeping field order) and the raw servers (which relay them).
 */
public final class Wire {
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TS = "\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JOINED = "\"type\":\"joined\"".getBytes(StandardCharsets.US_ASCII);

    private final byte[] prefix;
    private final int payloadBytes;
    private final byte[] buffer;

    /**
     * @param room         the room published to
     * @param payloadBytes size of the payload object's JSON, at least the space seq and ts need
     */
    public Wire(String room, int payloadBytes) {
        this.prefix = ("{\"type\":\"publish\",\"room\":\"" + room + "\",\"payload\":{\"seq\":").getBytes(StandardCharsets.US_ASCII);
        this.payloadBytes = payloadBytes;
        this.buffer = new byte[prefix.length + Math.max(payloadBytes, 64) + 64];
    }

    /** Writes the publish message for {@code seq} and {@code tsNanos} into the shared buffer; returns its length. */
    public int publish(long seq, long tsNanos) {
        int p = 0;
        System.arraycopy(prefix, 0, buffer, 0, prefix.length);
        p += prefix.length;
        int payloadStart = p - "{\"seq\":".length();
        p = putLong(buffer, p, seq);
        p = put(buffer, p, ",\"ts\":");
        p = putLong(buffer, p, tsNanos);
        p = put(buffer, p, ",\"pad\":\"");
        // The payload so far plus the closing "}" must total payloadBytes.
        int pad = payloadBytes - (p - payloadStart) - 2;
        if (pad > 0) {
            Arrays.fill(buffer, p, p + pad, (byte) 'x');
            p += pad;
        }
        buffer[p++] = '"';
        buffer[p++] = '}';
        buffer[p++] = '}';
        return p;
    }

    /** The buffer {@link #publish} wrote into. */
    public byte[] buffer() {
        return buffer;
    }

    /** Whether the message is a {@code joined} event. */
    public static boolean isJoined(byte[] b, int off, int len) {
        return indexOf(b, off, off + len, JOINED) >= 0;
    }

    /** The message's {@code seq}, or -1 if it has none. */
    public static long seq(byte[] b, int off, int len) {
        int at = indexOf(b, off, off + len, SEQ);
        return at < 0 ? -1 : readLong(b, at + SEQ.length, off + len);
    }

    /** The {@code ts} following position {@code from}, or -1. */
    public static long ts(byte[] b, int off, int len) {
        int at = indexOf(b, off, off + len, TS);
        return at < 0 ? -1 : readLong(b, at + TS.length, off + len);
    }

    private static long readLong(byte[] b, int p, int end) {
        long v = 0;
        int digits = 0;
        while (p < end && b[p] >= '0' && b[p] <= '9' && digits < 19) {
            v = v * 10 + (b[p++] - '0');
            digits++;
        }
        return digits == 0 ? -1 : v;
    }

    static int indexOf(byte[] b, int from, int to, byte[] needle) {
        byte first = needle[0];
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (b[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int put(byte[] b, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            b[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }

    private static int putLong(byte[] b, int p, long v) {
        if (v == 0) {
            b[p++] = '0';
            return p;
        }
        int start = p;
        while (v > 0) {
            b[p++] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        for (int i = start, j = p - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        return p;
    }
}
