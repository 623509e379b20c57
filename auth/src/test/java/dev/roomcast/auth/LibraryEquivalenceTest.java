package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.JOSEException;
import dev.roomcast.core.AuthResult;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every authenticator against {@link LibraryReferenceVerifier}, the nimbus-jose-jwt path it replaced:
 * crafted headers, claims, encodings and signatures, then randomly edited ones, must each get the
 * answer they got before, reason for reason and identity for identity. Each test also checks that its
 * tokens reached the outcomes it is about, so a corpus that only produced "malformed" would fail.
 */
@Timeout(120)
class LibraryEquivalenceTest {
    private static final KeyPair RSA = Tokens.rsaKeyPair(2048);
    private static final KeyPair EC = Tokens.ecKeyPair("secp256r1");

    private final FakeClock clock = new FakeClock();
    private final long now = FakeClock.START.getEpochSecond();
    /** The defaults, and rules that let more tokens reach the issuer, audience and subject checks. */
    private final List<TokenRules> ruleSets = List.of(TokenRules.defaults(),
            TokenRules.builder().issuer("iss").audience("aud").requireExpiry(false).build());
    private final List<Hs256TokenAuthenticator> authenticators = ruleSets.stream()
            .map(rules -> new Hs256TokenAuthenticator(Tokens.SECRET, rules, clock)).toList();
    private final List<LibraryReferenceVerifier> references = ruleSets.stream()
            .map(rules -> LibraryReferenceVerifier.hs256(Tokens.SECRET, rules, clock)).toList();
    private final Set<String> outcomes = new TreeSet<>();

    static final List<String> HEADERS = List.of(
            "{\"alg\":\"HS256\"}", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"typ\":\"JWT\",\"alg\":\"HS256\"}",
            "{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"alg\":\"HS256\",\"cty\":\"JWT\"}", "{\"alg\":\"HS256\",\"typ\":null}",
            "{\"alg\":\"HS256\",\"kid\":null}", "{\"alg\":\"HS256\",\"typ\":7}", "{\"alg\":\"HS256\",\"kid\":7}",
            "{\"alg\":\"HS256\",\"cty\":{}}", "{\"alg\":\"HS256\",\"kid\":[\"a\"]}", "{\"alg\":\"HS256 \"}", "{\"alg\":\" HS256\"}",
            "{\"alg\":\"hs256\"}", "{\"alg\":\"Hs256\"}", "{\"alg\":\"HS384\"}", "{\"alg\":\"RS256\"}", "{\"alg\":\"none\"}",
            "{\"alg\":\"None\"}", "{\"alg\":null}", "{\"alg\":256}", "{\"alg\":[\"HS256\"]}", "{}", "{\"typ\":\"JWT\"}",
            "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", "{\"alg\":\"none\",\"alg\":\"HS256\"}", "{\"alg\":null,\"alg\":\"HS256\"}",
            "{\"alg\":\"HS256\",\"alg\":null}", "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}",
            "{\"alg\":\"HS256\",\"crit\":[\"b64\"]}", "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":true}", "{\"alg\":\"HS256\",\"crit\":[]}",
            "{\"alg\":\"HS256\",\"crit\":\"exp\"}", "{\"alg\":\"HS256\",\"crit\":[7]}", "{\"alg\":\"HS256\",\"crit\":null}",
            "{\"alg\":\"HS256\",\"crit\":[\"b64\",\"exp\"],\"b64\":false}", "{\"alg\":\"HS256\",\"b64\":false}",
            "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}", "{\"alg\":\"HS256\",\"b64\":null}", "{\"alg\":\"HS256\",\"b64\":\"false\"}",
            "{\"alg\":\"HS256\",\"enc\":\"A128GCM\"}", "{\"alg\":\"HS256\",\"jwk\":{}}", "{\"alg\":\"HS256\",\"jwk\":\"x\"}",
            "{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}}", "{\"alg\":\"HS256\",\"jku\":\"https://evil.example/jwks\"}",
            "{\"alg\":\"HS256\",\"jku\":\"::not a uri\"}", "{\"alg\":\"HS256\",\"x5u\":7}", "{\"alg\":\"HS256\",\"x5t\":\"abc\"}",
            "{\"alg\":\"HS256\",\"x5c\":[\"not base64!\"]}", "{\"alg\":\"HS256\",\"x5c\":\"x\"}", "{\"alg\":\"HS256\",\"custom\":{\"a\":[1,null]}}",
            "{\"alg\":\"HS256\",\"iat\":1}", "{\"alg\":\"HS256\",\"zip\":\"DEF\"}", "{\"alg\":\"HS256\",\"x\":null}",
            "{\"alg\":\"HS256\",\"\\ud800\":1}", "{\"alg\":\"HS256\",\"kid\":\"\\ud800\"}", "{\"alg\":\"HS256\",\"\\ud800\":1,\"alg\":\"x\"}",
            "[[\"alg\",\"HS256\"]]", "[[\"alg\",\"HS256\"],[\"typ\",\"JWT\"]]", "[[\"alg\",\"HS256\"],[\"alg\",\"HS256\"]]",
            "[[\"alg\",\"HS256\"],[\"crit\",[\"exp\"]]]", "[]", "null", "\"HS256\"", "{\"alg\":\"HS256\"", "{\"alg\":\"HS256\"}x",
            "{\"alg\":\"HS256\",\"pad\":\"" + "x".repeat(12_000) + "\"}", "{\"alg\":\"HS256\",\"n\":" + "[".repeat(250) + "]".repeat(250) + "}");

    private List<String> claims() {
        long exp = now + 60;
        String valid = "\"sub\":\"alice\",\"exp\":" + exp;
        return List.of(
                "{" + valid + "}", "{" + valid + ",\"iss\":\"iss\",\"aud\":\"aud\"}", "{" + valid + ",\"iss\":\"iss\",\"aud\":\"other\"}",
                "{" + valid + ",\"iss\":\"iss\",\"aud\":[\"x\",\"aud\"]}",
                "[]", "[[\"sub\",\"alice\"],[\"exp\"," + exp + "]]", "[[\"sub\",\"alice\"],[\"sub\",\"bob\"]]", "\"alice\"", "42", "null",
                "true", "", " ", "{" + valid + "}x", "{\"sub\":\"alice\",\"exp\":" + exp + ".5}", "{\"sub\":\"alice\",\"exp\":" + exp + "e0}",
                "{\"sub\":\"alice\",\"exp\":1e300}", "{\"sub\":\"alice\",\"exp\":1e400}", "{\"sub\":\"alice\",\"exp\":184467440737095516160}",
                "{\"sub\":\"alice\",\"exp\":12345678901234567890}", "{\"sub\":\"alice\",\"exp\":253402300799}",
                "{\"sub\":\"alice\",\"exp\":253402300800}", "{\"sub\":\"alice\",\"exp\":\"tomorrow\"}", "{\"sub\":\"alice\",\"exp\":-1}",
                "{\"sub\":\"alice\",\"exp\":-0}", "{\"sub\":\"alice\",\"exp\":-0.0}", "{\"sub\":\"alice\",\"exp\":[" + exp + "]}",
                "{\"sub\":\"alice\",\"exp\":" + (now - 60) + "}", "{\"sub\":\"alice\",\"exp\":null}", "{\"sub\":\"alice\"}",
                "{\"sub\":\"alice\",\"exp\":" + exp + ",\"nbf\":" + (now + 3600) + "}", "{\"sub\":\"alice\",\"exp\":" + exp + ",\"iat\":\"now\"}",
                "{" + valid + ",\"org\":{\"id\":7,\"tags\":[\"a\",1.5,true,null],\"gone\":null,\"id\":8},\"gone\":null}",
                "{" + valid + ",\"o\":{\"a\":1,\"b\":0,\"a\":null,\"a\":2}}",
                "{\"sub\":\"alice\",\"sub\":\"bob\",\"exp\":" + exp + "}", "{\"sub\":null,\"sub\":\"alice\",\"exp\":" + exp + "}",
                "{" + valid + ",\"roles\":[\"a\",\"b\",\"a\"]}", "{" + valid + ",\"roles\":\"a\"}", "{" + valid + ",\"roles\":[1]}",
                "{" + valid + ",\"roles\":[null]}", "{" + valid + ",\"roles\":null}", "{" + valid + ",\"name\":\"\"}",
                "{" + valid + ",\"name\":\" \"}", "{" + valid + ",\"name\":42}", "{" + valid + ",\"name\":\"Al\u00e9\"}",
                "{\"sub\":\"\",\"exp\":" + exp + "}", "{\"sub\":\" \",\"exp\":" + exp + "}", "{\"sub\":42,\"exp\":" + exp + "}",
                "{\"sub\":[\"a\"],\"exp\":" + exp + "}", "{\"exp\":" + exp + "}", "{" + valid + ",\"aud\":[1]}",
                "{" + valid + ",\"iss\":7}", "{" + valid + ",\"n\":-9223372036854775809,\"m\":9223372036854775807}",
                "{" + valid + ",\"deep\":" + "[".repeat(254) + "]".repeat(254) + "}",
                "{" + valid + ",\"deep\":" + "[".repeat(255) + "]".repeat(255) + "}",
                "\uFEFF{" + valid + "}", "{" + valid + ",\"s\":\"\\ud800\"}", "{" + valid + ",\"\\ud800\":1}",
                "{" + valid + ",\"o\":{\"\\udc00x\":[\"\\ud800\"]}}", "{" + valid + ",\"\\ud83d\\ude00\":1}");
    }

    @Test
    void headerVariantsGetTheAnswerTheLibraryGaveThem() {
        String payload = "{\"sub\":\"alice\",\"exp\":" + (now + 60) + ",\"iss\":\"iss\",\"aud\":\"aud\"}";
        for (String header : HEADERS) {
            String headerPart = Tokens.b64(header);
            assertSameAnswer(Tokens.hs256Raw(Tokens.SECRET, headerPart, Tokens.b64(payload)));
            // What a verifier honouring "b64":false signs: the payload as it is, not its encoding (RFC 7797).
            assertSameAnswer(headerPart + "." + Tokens.b64(payload) + "." + Tokens.hmacSha256(Tokens.SECRET, headerPart + "." + payload));
            assertSameAnswer(headerPart + "." + Tokens.b64(payload) + "." + Tokens.hmacSha256(Tokens.OTHER_SECRET, headerPart + "." + payload));
        }
        assertThat(outcomes).contains("authenticated", "malformed", "alg_not_allowed", "bad_signature");
    }

    @Test
    void claimsVariantsGetTheAnswerTheLibraryGaveThem() {
        for (String claims : claims()) {
            assertSameAnswer(Tokens.hs256Raw(Tokens.SECRET, Tokens.b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"), Tokens.b64(claims)));
            assertSameAnswer(Tokens.hs256Raw(Tokens.SECRET, Tokens.b64("{\"alg\":\"HS256\",\"x\":1}"), Tokens.b64(claims)));
        }
        assertThat(outcomes).contains("authenticated", "malformed", "bad_claim", "expired", "not_yet_valid", "wrong_issuer",
                "wrong_audience", "missing_subject");
    }

    @Test
    void encodingVariantsGetTheAnswerTheLibraryGaveThem() {
        String header = Tokens.b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String payload = Tokens.b64("{\"sub\":\"alice\",\"exp\":" + (now + 60) + ",\"name\":\"x?>\",\"roles\":[\"a~~\"]}");
        List<String[]> parts = new ArrayList<>();
        parts.add(new String[] {header, payload});
        parts.add(new String[] {padded(header), padded(payload)});
        parts.add(new String[] {header + "=", payload + "=="});
        parts.add(new String[] {standardAlphabet(header), standardAlphabet(payload)});
        parts.add(new String[] {" " + header, payload + "\t"});
        parts.add(new String[] {header.substring(0, 4) + "*\u00e9 " + header.substring(4), payload.substring(0, 3) + "\n" + payload.substring(3)});
        parts.add(new String[] {header + "A", payload + "AB"});
        parts.add(new String[] {"", payload});
        parts.add(new String[] {header, ""});
        for (String[] pair : parts) {
            String signed = Tokens.hs256Raw(Tokens.SECRET, pair[0], pair[1]);
            assertSameAnswer(signed);
            assertSameAnswer("  " + signed + " \r\n");
            assertSameAnswer("\u0000" + signed);
            // Signed over the untrimmed text: the library signed and verified the trimmed one.
            assertSameAnswer(" " + pair[0] + "." + pair[1] + "." + Tokens.hmacSha256(Tokens.SECRET, " " + pair[0] + "." + pair[1]));
        }
        assertThat(outcomes).contains("authenticated", "malformed", "bad_signature");
    }

    @Test
    void signatureVariantsGetTheAnswerTheLibraryGaveThem() {
        String signed = Tokens.hs256Raw(Tokens.SECRET, Tokens.b64("{\"alg\":\"HS256\"}"),
                Tokens.b64("{\"sub\":\"alice\",\"exp\":" + (now + 60) + "}"));
        int dot = signed.lastIndexOf('.');
        String input = signed.substring(0, dot + 1);
        String signature = signed.substring(dot + 1);
        List<String> signatures = List.of(signature, signature + "=", signature + "==", standardAlphabet(signature),
                signature.substring(0, 42), signature.substring(0, 41), signature + "A", signature + "AA", signature + "AAAA",
                signature.substring(0, 20) + " \t*" + signature.substring(20), signature.substring(0, 42) + "B", "", "=", "  ",
                signature.toUpperCase(), "A".repeat(43), signature.substring(1) + signature.charAt(0));
        for (String variant : signatures) {
            assertSameAnswer(input + variant);
        }
        assertThat(outcomes).contains("authenticated", "malformed", "bad_signature");
    }

    @Test
    void randomlyEditedHeadersAndClaimsSignedByTheKeyGetTheAnswerTheLibraryGaveThem() {
        Random random = new Random(42);
        List<String> claims = claims();
        for (int round = 0; round < 6_000; round++) {
            // All but the two long headers at the end of the list.
            String header = edit(random, HEADERS.get(random.nextInt(HEADERS.size() - 2)));
            String payload = edit(random, claims.get(random.nextInt(claims.size())));
            assertSameAnswer(Tokens.hs256Raw(Tokens.SECRET, Tokens.b64(header), Tokens.b64(payload)));
        }
        assertThat(outcomes).contains("authenticated", "malformed", "alg_not_allowed", "bad_signature", "bad_claim", "expired",
                "missing_subject");
    }

    @Test
    void randomlyEditedTokensGetTheAnswerTheLibraryGaveThem() {
        Random random = new Random(4242);
        String alphabet = "AZaz09-_+/=. \t*\u00e9\u0000";
        String token = Tokens.hs256Raw(Tokens.SECRET, Tokens.b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
                Tokens.b64("{\"sub\":\"alice\",\"exp\":" + (now + 60) + "}"));
        for (int round = 0; round < 6_000; round++) {
            StringBuilder edited = new StringBuilder(token);
            for (int e = 1 + random.nextInt(2); e > 0; e--) {
                int at = random.nextInt(edited.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> edited.insert(at, c);
                    case 1 -> edited.deleteCharAt(at);
                    default -> edited.setCharAt(at, c);
                }
            }
            assertSameAnswer(edited.toString());
        }
        assertThat(outcomes).contains("authenticated", "malformed", "bad_signature");
    }

    @Test
    void rs256AndEs256TokensGetTheAnswerTheLibraryGaveThem() throws JOSEException {
        Rs256TokenAuthenticator rs256 = new Rs256TokenAuthenticator((RSAPublicKey) RSA.getPublic(), TokenRules.defaults(), clock);
        Es256TokenAuthenticator es256 = new Es256TokenAuthenticator((ECPublicKey) EC.getPublic(), TokenRules.defaults(), clock);
        RSASSAVerifier rsa = new RSASSAVerifier((RSAPublicKey) RSA.getPublic());
        ECDSAVerifier ec = new ECDSAVerifier((ECPublicKey) EC.getPublic());
        LibraryReferenceVerifier rsReference = new LibraryReferenceVerifier(Set.of("RS256"), header -> Optional.of(rsa),
                TokenRules.defaults().claimRules(), clock);
        LibraryReferenceVerifier esReference = new LibraryReferenceVerifier(Set.of("ES256"), header -> Optional.of(ec),
                TokenRules.defaults().claimRules(), clock);
        String payload = Tokens.b64("{\"sub\":\"alice\",\"exp\":" + (now + 60) + ",\"roles\":[\"admin\"]}");
        String rawPayload = "{\"sub\":\"alice\",\"exp\":" + (now + 60) + "}";
        for (String header : HEADERS) {
            for (String[] algorithm : new String[][] {{"RS256", "SHA256withRSA"}, {"ES256", "SHA256withECDSAinP1363Format"}}) {
                String headerPart = Tokens.b64(header.replace("HS256", algorithm[0]));
                PrivateKey key = algorithm[0].equals("RS256") ? RSA.getPrivate() : EC.getPrivate();
                String encoded = sign(algorithm[1], key, headerPart + "." + payload);
                String unencoded = sign(algorithm[1], key, headerPart + "." + rawPayload);
                List<String> tokens = List.of(headerPart + "." + payload + "." + encoded,
                        headerPart + "." + Tokens.b64(rawPayload) + "." + unencoded,
                        headerPart + "." + payload + "." + encoded.substring(2),
                        headerPart + "." + payload + "." + encoded + "AAAA",
                        headerPart + "." + payload + "." + sign(algorithm[0].equals("RS256") ? "SHA256withRSA" : "SHA256withECDSA", key,
                                headerPart + "." + payload));
                for (String token : tokens) {
                    if (algorithm[0].equals("RS256")) {
                        assertSameAnswer(token, rs256.authenticate(token), rsReference.verify(token));
                    } else {
                        assertSameAnswer(token, es256.authenticate(token), esReference.verify(token));
                    }
                }
            }
        }
        assertThat(outcomes).contains("authenticated", "malformed", "alg_not_allowed", "bad_signature");
    }

    private void assertSameAnswer(String token) {
        for (int i = 0; i < ruleSets.size(); i++) {
            assertSameAnswer(token, authenticators.get(i).authenticate(token), references.get(i).verify(token));
        }
    }

    private void assertSameAnswer(String token, AuthResult actual, AuthResult expected) {
        assertThat(actual).as("token «%s»", token.length() > 300 ? token.substring(0, 300) + "…" : token).isEqualTo(expected);
        outcomes.add(expected instanceof AuthResult.Rejected rejected ? rejected.reason() : "authenticated");
    }

    private static String edit(Random random, String json) {
        List<String> fragments = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "0", "1", "-", ".", "e", "null", "true",
                " ", "\u0000", "\u00e9", "\uFEFF", "\"crit\":[\"b64\"],", "\"b64\":false,", "\"alg\":\"HS256\",", "\"typ\":7,",
                "\"exp\":1e400,", "\"sub\":\"bob\",", "\"kid\":\"k\",");
        StringBuilder text = new StringBuilder(json);
        for (int e = random.nextInt(3); e > 0; e--) {
            int at = random.nextInt(text.length() + 1);
            String fragment = fragments.get(random.nextInt(fragments.size()));
            switch (random.nextInt(3)) {
                case 0 -> text.insert(at, fragment);
                case 1 -> {
                    if (at < text.length()) {
                        text.deleteCharAt(at);
                    }
                }
                default -> {
                    if (at < text.length()) {
                        text.replace(at, at + 1, fragment);
                    }
                }
            }
        }
        return text.toString();
    }

    private static String sign(String algorithm, PrivateKey key, String signingInput) {
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String padded(String part) {
        return part + "=".repeat((4 - part.length() % 4) % 4);
    }

    private static String standardAlphabet(String part) {
        return part.replace('-', '+').replace('_', '/');
    }
}
