package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.TokenAuthenticator;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attack list, against an HS256 and an RS256 authenticator, each with its cache of verified
 * tokens on and off: every attack keeps its refusal word (which the transport turns into
 * {@code 401 INVALID_TOKEN}) whether or not the genuine token it was made from sits in the cache,
 * and asking again gets the same refusal (refusals are never cached) without a single cache hit.
 */
@Timeout(20)
class TokenAttackListTest {
    private static final KeyPair RSA = Tokens.rsaKeyPair(2048);
    private static final KeyPair OTHER_RSA = Tokens.rsaKeyPair(2048);
    private static final String ISSUER = "https://idp.example";
    private static final String AUDIENCE = "roomcast";
    private static final TokenRules RULES = TokenRules.of(ISSUER, AUDIENCE);

    /** How the authenticator under test signs; each attack is made for one of these. */
    enum Signing {
        HS256 {
            @Override
            String sign(String claims) {
                return Tokens.hs256(Tokens.SECRET, claims);
            }

            @Override
            TokenAuthenticator authenticator(TokenCachePolicy cache, RecordingCacheListener listener, FakeClock clock) {
                return new Hs256TokenAuthenticator(Tokens.SECRET, RULES, cache, listener, clock);
            }
        },
        RS256 {
            @Override
            String sign(String claims) {
                return Tokens.rs256(RSA, "k1", claims);
            }

            @Override
            TokenAuthenticator authenticator(TokenCachePolicy cache, RecordingCacheListener listener, FakeClock clock) {
                return new Rs256TokenAuthenticator((RSAPublicKey) RSA.getPublic(), RULES, cache, listener, clock);
            }
        };

        abstract String sign(String claims);

        abstract TokenAuthenticator authenticator(TokenCachePolicy cache, RecordingCacheListener listener, FakeClock clock);
    }

    /** One attack: a token made from the genuine one (or from scratch) and the word it must be refused with. */
    record Attack(String name, Signing signing, Function<String, String> forge, String reason) {
        @Override
        public String toString() {
            return name + " (" + signing + ")";
        }
    }

    static Stream<Arguments> attacksWithAndWithoutTheCache() {
        List<Attack> attacks = new ArrayList<>();
        for (Signing signing : Signing.values()) {
            attacks.add(new Attack("alg none", signing, genuine -> Tokens.unsigned(claims("")), "alg_not_allowed"));
            attacks.add(new Attack("alg none keeping the genuine signature", signing,
                    genuine -> Tokens.b64("{\"alg\":\"none\"}") + genuine.substring(genuine.indexOf('.')), "alg_not_allowed"));
            attacks.add(new Attack("tampered payload", signing,
                    genuine -> withPayload(genuine, Tokens.b64(claims("").replace("alice", "mallory"))), "bad_signature"));
            attacks.add(new Attack("tampered signature", signing, TokenAttackListTest::withOneSignatureCharChanged, "bad_signature"));
            attacks.add(new Attack("expired", signing, genuine -> signing.sign(claimsExpiring(-Duration.ofMinutes(1).toSeconds(), "")),
                    "expired"));
            attacks.add(new Attack("nbf in the future", signing,
                    genuine -> signing.sign(claims(",\"nbf\":" + FakeClock.START.plus(Duration.ofMinutes(10)).getEpochSecond())),
                    "not_yet_valid"));
            attacks.add(new Attack("wrong aud", signing,
                    genuine -> signing.sign(claims("").replace("\"" + AUDIENCE + "\"", "\"another-service\"")), "wrong_audience"));
            attacks.add(new Attack("wrong iss", signing,
                    genuine -> signing.sign(claims("").replace(ISSUER, "https://evil.example")), "wrong_issuer"));
            attacks.add(new Attack("oversize", signing,
                    genuine -> signing.sign(claims(",\"pad\":\"" + "x".repeat(20_000) + "\"")), "malformed"));
            attacks.add(new Attack("garbage", signing, genuine -> "not-a-token", "malformed"));
            attacks.add(new Attack("three parts of garbage", signing, genuine -> "a.b.c", "malformed"));
            attacks.add(new Attack("genuine token with its signature cut off", signing,
                    genuine -> genuine.substring(0, genuine.lastIndexOf('.') + 1), "malformed"));
        }
        attacks.add(new Attack("HS/RS confusion: HS256 signed with the RSA public key", Signing.RS256,
                genuine -> Tokens.sign(new JWSHeader(JWSAlgorithm.HS256), claims(""), Tokens.macSigner(RSA.getPublic().getEncoded())),
                "alg_not_allowed"));
        attacks.add(new Attack("RS256 signed by another key", Signing.RS256, genuine -> Tokens.rs256(OTHER_RSA, "k1", claims("")),
                "bad_signature"));
        attacks.add(new Attack("HS256 signed with another secret", Signing.HS256, genuine -> Tokens.hs256(Tokens.OTHER_SECRET, claims("")),
                "bad_signature"));
        attacks.add(new Attack("HS512 instead of HS256", Signing.HS256,
                genuine -> Tokens.sign(new JWSHeader(JWSAlgorithm.HS512), claims(""), Tokens.macSigner(new byte[64])),
                "alg_not_allowed"));
        return attacks.stream().flatMap(attack -> Stream.of(Arguments.of(attack, true), Arguments.of(attack, false)));
    }

    @ParameterizedTest(name = "{0}, cache on: {1}")
    @MethodSource("attacksWithAndWithoutTheCache")
    void attackIsRefusedWithItsReasonWithAndWithoutTheCache(Attack attack, boolean cacheOn) {
        FakeClock clock = new FakeClock();
        RecordingCacheListener listener = new RecordingCacheListener();
        TokenAuthenticator authenticator = attack.signing().authenticator(
                cacheOn ? TokenCachePolicy.defaults() : TokenCachePolicy.disabled(), listener, clock);
        String genuine = attack.signing().sign(claims(""));
        // The genuine token is accepted, and with the cache on it is now cached: the forgery made from it
        // must still be judged in full.
        assertThat(authenticator.authenticate(genuine)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(genuine)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isEqualTo(cacheOn ? 1 : 0);
        String forged = attack.forge().apply(genuine);
        assertThat(forged).isNotEqualTo(genuine);

        assertThat(authenticator.authenticate(forged)).isEqualTo(AuthResult.rejected(attack.reason()));
        assertThat(authenticator.authenticate(forged)).as("asked again").isEqualTo(AuthResult.rejected(attack.reason()));
        assertThat(listener.hits()).as("cache hits").isEqualTo(cacheOn ? 1 : 0);
    }

    /** Claims valid for an hour from the fake clock's start, with the required issuer and audience. */
    private static String claims(String extra) {
        return claimsExpiring(Duration.ofHours(1).toSeconds(), extra);
    }

    private static String claimsExpiring(long secondsFromStart, String extra) {
        return "{\"sub\":\"alice\",\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
                + (FakeClock.START.getEpochSecond() + secondsFromStart) + extra + "}";
    }

    private static String withPayload(String token, String payloadPart) {
        int firstDot = token.indexOf('.');
        int secondDot = token.indexOf('.', firstDot + 1);
        return token.substring(0, firstDot + 1) + payloadPart + token.substring(secondDot);
    }

    /**
     * The token with one character in the middle of its signature changed (not the last one, whose
     * low bits a decoder may ignore).
     */
    static String withOneSignatureCharChanged(String token) {
        int middle = token.lastIndexOf('.') + (token.length() - token.lastIndexOf('.')) / 2;
        char changed = token.charAt(middle) == 'A' ? 'B' : 'A';
        return token.substring(0, middle) + changed + token.substring(middle + 1);
    }
}
