package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SecretBytesTest {
    private static final String ABC_SHA_256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void sha256MatchesTheFips180TestVectorCallAfterCall() {
        byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
        assertThat(HexFormat.of().formatHex(SecretBytes.sha256(abc))).isEqualTo(ABC_SHA_256);
        assertThat(HexFormat.of().formatHex(SecretBytes.sha256(abc))).as("no state left by the first call").isEqualTo(ABC_SHA_256);
        assertThat(HexFormat.of().formatHex(SecretBytes.sha256(new byte[0])))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    @Timeout(30)
    void concurrentDigestsDoNotShareState() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = IntStream.range(0, 2_000)
                    .mapToObj(i -> pool.submit(() -> HexFormat.of().formatHex(
                            SecretBytes.sha256("abc".getBytes(StandardCharsets.UTF_8))).equals(ABC_SHA_256)))
                    .toList();
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
