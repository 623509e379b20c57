package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link CompactJws} against nimbus-jose-jwt's splitting (trimmed) and lenient base64url decoding. */
@Timeout(30)
class CompactJwsTest {

    @Test
    void partsDecodeToWhatTheLibraryDecodedThemTo() {
        String[] parts = {"", "e30", "e30=", "e30==", "e3 0*", "eyJhIjoi_-8ifQ", "eyJhIjoi/+8ifQ", "é_w", "A", "AB", "ABC", "ABCD",
                "AB=C", "A===", "\tABCD\n", "AB\u0000CD", "AB\uD800CD", "\uFEFFABCD", "_-_-", "////", "++++", "QQ", "QR", "QR==",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Zm9vYmFy", "Zm9vYmE", "Zm9vYg", "Zm9vY"};
        for (String part : parts) {
            CompactJws jws = CompactJws.split(part + ".e30.c2ln").orElseThrow();
            assertThat(jws.header()).as("«%s»", part).isEqualTo(new Base64URL(part).decode());
        }
    }

    @Test
    void randomPartsDecodeToWhatTheLibraryDecodedThemTo() {
        Random random = new Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=  \t\n*~é\u0000\uD83D\uDE00";
        for (int round = 0; round < 20_000; round++) {
            StringBuilder part = new StringBuilder();
            int length = random.nextInt(24);
            for (int i = 0; i < length; i++) {
                part.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            CompactJws jws = CompactJws.split("e30." + part + "." + part).orElseThrow();
            byte[] library = new Base64URL(part.toString()).decode();
            assertThat(jws.payload()).as("«%s»", part).isEqualTo(library);
            byte[] signature = new byte[jws.signatureLength()];
            jws.signature(signature);
            assertThat(signature).as("«%s»", part).isEqualTo(library);
        }
    }

    @Test
    void tokensSplitAndTrimAsTheLibrarySplitAndTrimmedThem() throws ParseException {
        String[] tokens = {"a.b.c", " a.b.c ", "\ta.b.c\r\n", "\u0000a.b.c\u0001", "a.b.", "a.b. ", ".b.c", "a..c", "..", " . . ",
                "a.b.c\u00a0", "\u2003a.b.c"};
        for (String token : tokens) {
            CompactJws jws = CompactJws.split(token).orElseThrow();
            Base64URL[] library = JOSEObject.split(token);
            assertThat(jws.headerText()).as("«%s»", token).isEqualTo(library[0].toString());
            assertThat(jws.signatureText()).as("«%s»", token).isEqualTo(library[2].toString());
            assertThat(new String(jws.signingInputUtf8(), StandardCharsets.UTF_8))
                    .isEqualTo(library[0] + "." + library[1]);
            assertThat(jws.signatureIsEmpty()).as("«%s»", token).isEqualTo(library[2].toString().trim().isEmpty());
        }
    }

    @Test
    void anythingButExactlyTwoDotsIsNotACompactJws() {
        assertThat(CompactJws.split("abc")).isEmpty();
        assertThat(CompactJws.split("a.b")).isEmpty();
        assertThat(CompactJws.split("a.b.c.d")).isEmpty();
        assertThat(CompactJws.split("a.b.c.d.e")).isEmpty();
        assertThat(CompactJws.split("a.b.c")).isPresent();
    }

    @Test
    void asciiSigningInputIsCopiedAndANonAsciiOneIsLeftToUtf8() {
        CompactJws ascii = CompactJws.split(" ab.cd.ef").orElseThrow();
        byte[] into = new byte[ascii.signingInputLength()];

        assertThat(ascii.copyAsciiSigningInput(into)).isTrue();
        assertThat(new String(into, StandardCharsets.US_ASCII)).isEqualTo("ab.cd");
        assertThat(CompactJws.split("aé.cd.ef").orElseThrow().copyAsciiSigningInput(new byte[5])).isFalse();
    }
}
