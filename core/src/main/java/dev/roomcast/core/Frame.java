package dev.roomcast.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An encoded text frame, immutable and shared: a broadcast encodes its envelope once into a
 * {@code Frame} and offers the same instance to every member's send queue, so fan-out costs no
 * per-recipient encoding or copy.
 */
public final class Frame {
    private final byte[] utf8;

    private Frame(byte[] utf8) {
        this.utf8 = utf8;
    }

    /** Wraps UTF-8 bytes that the caller promises never to modify again. */
    public static Frame ofOwnedUtf8(byte[] utf8) {
        return new Frame(Objects.requireNonNull(utf8, "utf8"));
    }

    /** Encodes text as a frame. */
    public static Frame ofText(String text) {
        return new Frame(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The frame's size in bytes. */
    public int length() {
        return utf8.length;
    }

    /** A read-only view of the bytes, positioned at zero. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(utf8).asReadOnlyBuffer();
    }

    /** Copies the bytes into {@code target} at its position. */
    public void copyTo(ByteBuffer target) {
        target.put(utf8);
    }

    /** The frame as text. */
    public String text() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Frame[" + utf8.length + " bytes]";
    }
}
