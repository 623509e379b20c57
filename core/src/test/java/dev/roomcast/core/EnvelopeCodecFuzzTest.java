package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Fuzzes {@link EnvelopeCodec#decode}, the first thing every client message meets. In the default
 * build (regression mode) each file under {@code EnvelopeCodecFuzzTestInputs/<method>/} runs once;
 * {@code -Pfuzz} mutates them for as long as the profile says (docs: Reference, Fuzzing).
 */
class EnvelopeCodecFuzzTest {
    /** Small enough that the fuzzer reaches the size limit, large enough for real envelopes. */
    private static final int MAX_MESSAGE_BYTES = 4096;
    private static final Set<ErrorCode> DECODE_FAILURES =
            Set.of(ErrorCode.MALFORMED_MESSAGE, ErrorCode.MISSING_TYPE, ErrorCode.PAYLOAD_TOO_LARGE);

    private final EnvelopeCodec codec = new EnvelopeCodec(MAX_MESSAGE_BYTES);
    /** Re-decodes what {@link #codec} encodes: a re-encoding may be longer than its input ({@code 1e9} becomes {@code 1.0E9}). */
    private final EnvelopeCodec unbounded = new EnvelopeCodec(Integer.MAX_VALUE);

    @FuzzTest
    void decodeReturnsADocumentedResultAndWhatDecodesSurvivesReencoding(byte[] input) {
        // What the transport hands the codec: text from bytes that were valid UTF-8.
        String text = new String(input, StandardCharsets.UTF_8);
        DecodeResult first = codec.decode(text);
        assertThat(codec.decode(text)).as("decoding is deterministic").isEqualTo(first);
        switch (first) {
            case DecodeResult.Failed failed -> assertThat(failed.code()).isIn(DECODE_FAILURES);
            case DecodeResult.Decoded decoded -> {
                Envelope envelope = decoded.envelope();
                assertThat(envelope.type()).isNotEmpty().hasSizeLessThanOrEqualTo(EnvelopeCodec.MAX_TYPE_LENGTH);
                assertThat(envelope.id().orElse("")).hasSizeLessThanOrEqualTo(EnvelopeCodec.MAX_ID_LENGTH);
                assertThat(envelope.from()).as("from is the server's to set").isEmpty();
                assertThat(envelope.traceparent().map(Envelope::isValidTraceparent).orElse(true)).as("a kept traceparent is valid").isTrue();
                String reencoded = codec.encode(envelope).text();
                assertThat(unbounded.decode(reencoded)).as("re-decoding %s", reencoded)
                        .isEqualTo(new DecodeResult.Decoded(envelope));
            }
        }
        // The codec is public: any String, even one no UTF-8 decoder produces (lone surrogates), is a result.
        assertThat(codec.decode(new String(input, StandardCharsets.UTF_16LE))).isNotNull();
    }
}
