package dev.roomcast.auth.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A compact JWS ({@code header.payload.signature}) split at its two dots without copying, read the way
 * nimbus-jose-jwt 10 read it so that every token keeps the answer it had: the token is trimmed first
 * ({@link String#trim()}: characters up to U+0020 at either end), and each part is decoded leniently.
 * The decoder takes digits of both the base64url and the base64 alphabet ({@code -} and {@code +} are
 * 62, {@code _} and {@code /} are 63) and skips every other character, {@code =} padding included; a
 * final group of one digit yields nothing and unused low bits of a final group are ignored. So a part
 * may carry padding, {@code +} or {@code /}, or stray characters and still decode; what it decodes to
 * is then judged by the JSON and signature checks. Holds no state beyond the token; not shared.
 */
public final class CompactJws {
    /** Digit values of ASCII characters for the lenient decoder; -1 for characters it skips. */
    private static final byte[] DIGITS = new byte[128];

    static {
        Arrays.fill(DIGITS, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < alphabet.length(); i++) {
            DIGITS[alphabet.charAt(i)] = (byte) i;
        }
        DIGITS['-'] = 62;
        DIGITS['+'] = 62;
        DIGITS['_'] = 63;
        DIGITS['/'] = 63;
    }

    private final String token;
    private final int start;
    private final int firstDot;
    private final int secondDot;
    private final int end;

    private CompactJws(String token, int start, int firstDot, int secondDot, int end) {
        this.token = token;
        this.start = start;
        this.firstDot = firstDot;
        this.secondDot = secondDot;
        this.end = end;
    }

    /** The three parts of {@code token}, or empty unless it has exactly two dots. */
    public static Optional<CompactJws> split(String token) {
        int firstDot = token.indexOf('.');
        int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
        if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
            return Optional.empty();
        }
        int start = 0;
        int end = token.length();
        while (start < end && token.charAt(start) <= ' ') {
            start++;
        }
        while (end > start && token.charAt(end - 1) <= ' ') {
            end--;
        }
        return Optional.of(new CompactJws(token, start, firstDot, secondDot, end));
    }

    /** The decoded header bytes (UTF-8 JSON, if well formed). */
    public byte[] header() {
        return decode(start, firstDot);
    }

    /** The decoded payload bytes (UTF-8 JSON, if well formed). */
    public byte[] payload() {
        return decode(firstDot + 1, secondDot);
    }

    /** Whether the signature part is empty, which the library refused as malformed rather than as a bad signature. */
    public boolean signatureIsEmpty() {
        return secondDot + 1 == end;
    }

    /** The number of bytes the signature part decodes to. */
    public int signatureLength() {
        return decodedLength(secondDot + 1, end);
    }

    /** Decodes the signature part into {@code into}, which must hold at least {@link #signatureLength()} bytes. */
    public void signature(byte[] into) {
        decode(secondDot + 1, end, into);
    }

    /** The header part as it appears in the token. */
    public String headerText() {
        return token.substring(start, firstDot);
    }

    /** Whether the header part is exactly {@code text}. */
    public boolean headerTextIs(String text) {
        return firstDot - start == text.length() && token.regionMatches(start, text, 0, text.length());
    }

    /** The length of the header part, in characters. */
    public int headerTextLength() {
        return firstDot - start;
    }

    /** The signature part as it appears in the token. */
    public String signatureText() {
        return token.substring(secondDot + 1, end);
    }

    /** The length, in characters, of the signing input {@code header.payload}. */
    public int signingInputLength() {
        return secondDot - start;
    }

    /**
     * Copies the signing input {@code header.payload} into {@code into} as ASCII, which must have room
     * for {@link #signingInputLength()} bytes; returns false, having copied a prefix, if it holds a
     * character outside ASCII (then {@link #signingInputUtf8()} gives the bytes the library signed).
     */
    public boolean copyAsciiSigningInput(byte[] into) {
        for (int i = start, j = 0; i < secondDot; i++, j++) {
            char c = token.charAt(i);
            if (c >= 0x80) {
                return false;
            }
            into[j] = (byte) c;
        }
        return true;
    }

    /** The UTF-8 bytes of the signing input {@code header.payload}, as the library computed it for a base64url payload. */
    public byte[] signingInputUtf8() {
        return token.substring(start, secondDot).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The signing input the library computed for a header with {@code "b64":false} (RFC 7797): the
     * header part, a dot, and the payload part decoded to text.
     */
    public byte[] unencodedSigningInputUtf8() {
        String payload = new String(payload(), StandardCharsets.UTF_8);
        return (token.substring(start, firstDot) + "." + payload).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] decode(int from, int to) {
        // Sized for a part made only of digits, the usual case; stray characters make it shorter.
        byte[] bytes = new byte[lengthOf(to - from)];
        int length = decode(from, to, bytes);
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    private int decodedLength(int from, int to) {
        int digits = 0;
        for (int i = from; i < to; i++) {
            if (digit(token.charAt(i)) >= 0) {
                digits++;
            }
        }
        return lengthOf(digits);
    }

    private static int lengthOf(int digits) {
        int tail = digits % 4;
        return digits / 4 * 3 + (tail == 0 ? 0 : tail - 1);
    }

    /** Decodes into {@code into}, which has room for every character being a digit; returns the length. */
    private int decode(int from, int to, byte[] into) {
        int out = 0;
        int i = from;
        // Whole groups of four digits, until the first character that is not one.
        for (; i + 4 <= to; i += 4) {
            int a = digit(token.charAt(i));
            int b = digit(token.charAt(i + 1));
            int c = digit(token.charAt(i + 2));
            int d = digit(token.charAt(i + 3));
            if ((a | b | c | d) < 0) {
                break;
            }
            int group = a << 18 | b << 12 | c << 6 | d;
            into[out++] = (byte) (group >> 16);
            into[out++] = (byte) (group >> 8);
            into[out++] = (byte) group;
        }
        int group = 0;
        int digits = 0;
        for (; i < to; i++) {
            int digit = digit(token.charAt(i));
            if (digit < 0) {
                continue;
            }
            group |= digit << (18 - 6 * digits);
            if (++digits == 4) {
                into[out++] = (byte) (group >> 16);
                into[out++] = (byte) (group >> 8);
                into[out++] = (byte) group;
                group = 0;
                digits = 0;
            }
        }
        if (digits >= 2) {
            into[out++] = (byte) (group >> 16);
            if (digits == 3) {
                into[out++] = (byte) (group >> 8);
            }
        }
        return out;
    }

    private static int digit(char c) {
        // Characters outside ASCII became bytes >= 0x80 (or '?') in the library's UTF-8 decoding: never digits.
        return c < 0x80 ? DIGITS[c] : -1;
    }
}
