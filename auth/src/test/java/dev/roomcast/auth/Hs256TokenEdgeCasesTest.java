package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The corners of token parsing, each pinned to the answer nimbus-jose-jwt's parsing gives it (the
 * answers the hand-written parser that once stood in for it had to match): headers, encodings,
 * signatures and claims that a parser could easily read differently. An accepted token is asked
 * twice, so its second answer comes from the cache and must be the same.
 */
@Timeout(10)
class Hs256TokenEdgeCasesTest {
    private static final AuthResult MALFORMED = AuthResult.rejected("malformed");
    private static final AuthResult ALG_NOT_ALLOWED = AuthResult.rejected("alg_not_allowed");
    private static final AuthResult BAD_SIGNATURE = AuthResult.rejected("bad_signature");
    private static final AuthResult BAD_CLAIM = AuthResult.rejected("bad_claim");

    private final FakeClock clock = new FakeClock();
    private final Hs256TokenAuthenticator authenticator = new Hs256TokenAuthenticator(Tokens.SECRET, TokenRules.defaults(), clock);
    private final String claims = Tokens.claims(FakeClock.START, "");

    @Test
    void critHeaderNamingAParameterTheVerifierDoesNotProcessIsRejectedAsBadSignature() {
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", claims), BAD_SIGNATURE);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":[\"b64\",\"x\"],\"x\":1}", claims), BAD_SIGNATURE);
    }

    @Test
    void critHeaderThatIsNotAListOfStringsIsRejectedAsMalformed() {
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":\"exp\"}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":[7]}", claims), MALFORMED);
    }

    @Test
    void critNamingOnlyB64OrNothingPassesAsItDidWithTheLibrarysMacVerifier() {
        // nimbus's verifiers process "b64" themselves (RFC 7797), so naming it, or nothing, is no refusal.
        assertAuthenticatedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":true}", claims));
        assertAuthenticatedAsBefore(signed("{\"alg\":\"HS256\",\"crit\":[]}", claims));
    }

    @Test
    void unencodedPayloadHeaderIsVerifiedOverThePayloadTextAsRfc7797Says() {
        String header = Tokens.b64("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}");
        String overText = header + "." + Tokens.b64(claims) + "." + Tokens.hmacSha256(Tokens.SECRET, header + "." + claims);

        assertAuthenticatedAsBefore(overText);
        assertRejectedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, Tokens.b64(claims)), BAD_SIGNATURE);
    }

    @Test
    void duplicateAlgMembersAreRejectedAsMalformedWhateverTheirValues() {
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"alg\":\"HS256\"}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"none\",\"alg\":\"HS256\"}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":null,\"alg\":\"HS256\"}", claims), MALFORMED);
    }

    @Test
    void algWithSpacesOrInAnotherCaseIsNotAllowed() {
        for (String alg : List.of("HS256 ", " HS256", "hs256", "Hs256", "HS256\\u0000", "HS2560")) {
            assertRejectedAsBefore(signed("{\"alg\":\"" + alg + "\"}", claims), ALG_NOT_ALLOWED);
        }
        assertRejectedAsBefore(signed("{\"alg\":[\"HS256\"]}", claims), ALG_NOT_ALLOWED);
        assertRejectedAsBefore(signed("{\"typ\":\"JWT\"}", claims), ALG_NOT_ALLOWED);
    }

    @Test
    void headerMembersOfTheWrongTypeAreRejectedAsMalformedOnlyOnceTheAlgIsAllowed() {
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"kid\":7}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"typ\":{}}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\",\"enc\":\"A128GCM\"}", claims), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS512\",\"kid\":7}", claims), ALG_NOT_ALLOWED);
    }

    @Test
    void signatureOfTheWrongLengthIsRejectedAsBadSignatureAndAnEmptyOneAsMalformed() {
        String token = signed("{\"alg\":\"HS256\"}", claims);
        String withoutSignature = token.substring(0, token.lastIndexOf('.') + 1);
        String signature = token.substring(token.lastIndexOf('.') + 1);

        assertRejectedAsBefore(withoutSignature + signature.substring(0, 42), BAD_SIGNATURE); // 31 bytes
        assertRejectedAsBefore(withoutSignature + signature + "AA", BAD_SIGNATURE); // 33 bytes
        assertRejectedAsBefore(withoutSignature + "A".repeat(43), BAD_SIGNATURE); // 32 bytes, not the MAC
        assertRejectedAsBefore(withoutSignature, MALFORMED);
        assertRejectedAsBefore(withoutSignature + "=", BAD_SIGNATURE);
    }

    @Test
    void paddedOrStandardAlphabetPartsDecodeAsBeforeAndVerifyWhenSignedAsSent() {
        String header = Tokens.b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String payload = Tokens.b64(Tokens.claims(FakeClock.START, "\"name\":\"x?>\""));
        String padded = payload + "=".repeat((4 - payload.length() % 4) % 4);
        String standard = payload.replace('-', '+').replace('_', '/');
        assertThat(standard).as("the claims must encode to a '-' or '_'").isNotEqualTo(payload);

        assertAuthenticatedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header + "=", padded));
        assertAuthenticatedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, standard));
        String signed = Tokens.hs256Raw(Tokens.SECRET, header, payload);
        String signature = signed.substring(signed.lastIndexOf('.') + 1);
        assertAuthenticatedAsBefore(signed + "=");
        assertAuthenticatedAsBefore(signed.substring(0, signed.lastIndexOf('.') + 1) + signature.replace('-', '+').replace('_', '/'));
        // Changing the encoding changes the signing input, so a signature over the other form fails.
        assertRejectedAsBefore(header + "." + standard + "." + signature, BAD_SIGNATURE);
    }

    @Test
    void strayCharactersInsidePartsAreSkippedAndWhitespaceAroundTheTokenIsTrimmed() {
        String header = Tokens.b64("{\"alg\":\"HS256\"}");
        String payload = Tokens.b64(claims);
        String stray = payload.substring(0, 10) + " *\u00e9" + payload.substring(10);

        assertAuthenticatedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, stray));
        assertAuthenticatedAsBefore(" \t" + Tokens.hs256Raw(Tokens.SECRET, header, payload) + "\r\n");
    }

    @Test
    void claimsThatAreAStringANumberOrNullAreRejectedAsMalformed() {
        for (String notAnObject : List.of("\"alice\"", "42", "null", "true", "", "{\"sub\":\"alice\"}{}")) {
            assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", notAnObject), MALFORMED);
        }
    }

    @Test
    void claimsThatAreAnArrayOfPairsAreReadAsAnObjectAsTheLibraryReadThem() {
        long exp = clock.now().getEpochSecond() + 60;

        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "[]"), BAD_CLAIM); // an empty object: no exp
        assertAuthenticatedAsBefore(signed("{\"alg\":\"HS256\"}", "[[\"sub\",\"alice\"],[\"exp\"," + exp + "]]"));
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "[[\"sub\",\"alice\"],[\"sub\",\"bob\"]]"), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "[\"sub\",\"alice\"]"), MALFORMED);
    }

    @Test
    void expiryAsAFloatIsAcceptedAndAsAStringAnArrayOrBeyond9999IsABadClaim() {
        long exp = clock.now().getEpochSecond() + 60;

        assertAuthenticatedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":" + exp + ".25}"));
        assertAuthenticatedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":" + exp + "e0}"));
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":\"" + exp + "\"}"), BAD_CLAIM);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":[" + exp + "]}"), BAD_CLAIM);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":253402300800}"), BAD_CLAIM);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":1e300}"), BAD_CLAIM);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":12345678901234567890}"), BAD_CLAIM);
    }

    @Test
    void expiryThatOverflowsADoubleOrTripsGsonsIntegerReaderIsMalformed() {
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":1e400}"), MALFORMED);
        // 2^64 followed by a digit: Gson's wrapping accumulator saw a leading zero.
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":184467440737095516160}"), MALFORMED);
        assertRejectedAsBefore(signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":18446744073709551616}"), BAD_CLAIM);
    }

    @Test
    void nestedClaimsReachTheIdentityAsPlainValuesInTheirOrderWithTheLastDuplicateWinning() {
        long exp = clock.now().getEpochSecond() + 60;
        String token = signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":" + exp
                + ",\"org\":{\"id\":7,\"tags\":[\"a\",1.5,null,true],\"gone\":null,\"z\":0,\"id\":8},\"n\":-0,\"d\":-0.0}");

        Identity identity = assertAuthenticatedAsBefore(token);
        @SuppressWarnings("unchecked")
        Map<String, Object> org = (Map<String, Object>) identity.claims().get("org");
        assertThat(org).containsExactly(Map.entry("id", 8L), Map.entry("tags", Arrays.asList("a", 1.5, null, true)), Map.entry("z", 0L));
        assertThat(org.getClass().getName()).startsWith("java.util.");
        assertThat(identity.claims()).containsEntry("n", 0L).containsEntry("d", -0.0);
    }

    @Test
    void escapedUnpairedSurrogateInAClaimNameIsAcceptedAsTheLibraryAcceptedIt() {
        String token = signed("{\"alg\":\"HS256\"}", "{\"sub\":\"alice\",\"exp\":" + (clock.now().getEpochSecond() + 60)
                + ",\"\\ud800\":1}");

        assertThat(assertAuthenticatedAsBefore(token).claims()).containsEntry("\ud800", 1L);
    }

    @Test
    void aHeaderSeenBeforeIsJudgedTheSameWithAnotherPayloadOrSignature() {
        String header = Tokens.b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        assertAuthenticatedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, Tokens.b64(claims)));

        assertRejectedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, Tokens.b64("{\"sub\":\"bob\"}")), BAD_CLAIM);
        assertRejectedAsBefore(Tokens.hs256Raw(Tokens.OTHER_SECRET, header, Tokens.b64(claims)), BAD_SIGNATURE);
        assertRejectedAsBefore(header + "." + Tokens.b64(claims) + ".", MALFORMED);
        assertRejectedAsBefore(Tokens.hs256Raw(Tokens.SECRET, header, Tokens.b64("[1]")), MALFORMED);
    }

    @Test
    void concurrentVerificationsOnVirtualThreadsEachGetTheirOwnAnswer() throws Exception {
        // Many threads, alternating good tokens (answered from the cache after their first check) and
        // bad ones of different lengths: a cache entry or verifier state shared wrongly would mix them up.
        List<String> good = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String extra = "\"pad\":\"" + "x".repeat(i * 300) + "\"";
            good.add(signed("{\"alg\":\"HS256\"}", Tokens.claims(FakeClock.START, extra)));
            bad.add(Tokens.hs256Raw(Tokens.OTHER_SECRET, Tokens.b64("{\"alg\":\"HS256\"}"), Tokens.b64(Tokens.claims(FakeClock.START, extra))));
        }
        List<Future<Boolean>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 64; t++) {
                int offset = t;
                answers.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        int k = (offset + i) % good.size();
                        if (!(authenticator.authenticate(good.get(k)) instanceof AuthResult.Authenticated)
                                || !authenticator.authenticate(bad.get(k)).equals(BAD_SIGNATURE)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> answer : answers) {
                assertThat(answer.get(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** Asserts that the authenticator refuses {@code token} with {@code expected}, twice (refusals are never cached). */
    private void assertRejectedAsBefore(String token, AuthResult expected) {
        assertThat(authenticator.authenticate(token)).as("token %s", token).isEqualTo(expected);
        assertThat(authenticator.authenticate(token)).as("token %s, again", token).isEqualTo(expected);
    }

    /** Asserts that the authenticator accepts {@code token}, and gives the same identity from its cache; returns it. */
    private Identity assertAuthenticatedAsBefore(String token) {
        AuthResult first = authenticator.authenticate(token);
        assertThat(first).as("token %s", token).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(token)).as("token %s, from the cache", token).isEqualTo(first);
        return ((AuthResult.Authenticated) first).identity();
    }

    private static String signed(String headerJson, String claimsJson) {
        return Tokens.hs256Raw(Tokens.SECRET, Tokens.b64(headerJson), Tokens.b64(claimsJson));
    }
}
