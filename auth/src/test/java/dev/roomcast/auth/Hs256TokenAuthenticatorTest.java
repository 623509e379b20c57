package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class Hs256TokenAuthenticatorTest {
    private final FakeClock clock = new FakeClock();
    private final Hs256TokenAuthenticator authenticator = new Hs256TokenAuthenticator(Tokens.SECRET, TokenRules.defaults(), clock);

    private long now() {
        return clock.now().getEpochSecond();
    }

    private AuthResult authenticate(String payloadJson) {
        return authenticator.authenticate(Tokens.hs256(Tokens.SECRET, payloadJson));
    }

    private static Identity identityOf(AuthResult result) {
        assertThat(result).isInstanceOf(AuthResult.Authenticated.class);
        return ((AuthResult.Authenticated) result).identity();
    }

    @Test
    void validTokenIsAcceptedAndItsClaimsBecomeTheIdentity() {
        AuthResult result = authenticate("{\"sub\":\"alice\",\"name\":\"Alice A.\",\"roles\":[\"admin\",\"mod\"],"
                + "\"exp\":" + (now() + 60) + ",\"team\":\"blue\"}");

        Identity identity = identityOf(result);
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.name()).contains("Alice A.");
        assertThat(identity.roles()).containsExactlyInAnyOrder("admin", "mod");
        assertThat(identity.claims()).containsEntry("team", "blue").containsEntry("sub", "alice")
                .containsEntry("exp", now() + 60);
    }

    @Test
    void tokenMintedByTokenMinterIsAccepted() {
        TokenMinter minter = new TokenMinter(Tokens.SECRET, TokenRules.defaults(), clock);

        Identity identity = identityOf(authenticator.authenticate(
                minter.mint("bob", Optional.of("Bob"), Set.of("viewer"), Duration.ofMinutes(5))));

        assertThat(identity.subject()).isEqualTo("bob");
        assertThat(identity.name()).contains("Bob");
        assertThat(identity.roles()).containsExactly("viewer");
        assertThat(identity.claims()).containsEntry("exp", now() + 300).containsEntry("iat", now());
    }

    @Test
    void absentRolesAndNonStringNameGiveEmptyRolesAndNoName() {
        Identity identity = identityOf(authenticate("{\"sub\":\"alice\",\"name\":42,\"exp\":" + (now() + 60) + "}"));

        assertThat(identity.roles()).isEmpty();
        assertThat(identity.name()).isEmpty();
    }

    @Test
    void nestedClaimsBecomePlainJavaValuesAndNullMembersAreDropped() {
        Identity identity = identityOf(authenticate("{\"sub\":\"alice\",\"exp\":" + (now() + 60)
                + ",\"org\":{\"id\":7,\"tags\":[\"a\",1.5,true]},\"gone\":null}"));

        assertThat(identity.claims()).doesNotContainKey("gone");
        Object org = identity.claims().get("org");
        assertThat(org).isInstanceOf(Map.class);
        assertThat(org.getClass().getName()).startsWith("java.util.");
        @SuppressWarnings("unchecked")
        Map<String, Object> orgMap = (Map<String, Object>) org;
        assertThat(orgMap).containsEntry("id", 7L).containsEntry("tags", List.of("a", 1.5, true));
    }

    @Test
    void expiredTokenIsRejectedAsExpired() {
        assertThat(authenticate(claimsWithExp(now() - 3600))).isEqualTo(AuthResult.rejected("expired"));
    }

    @Test
    void tokenIsStillAcceptedJustInsideTheClockSkewAfterExpiry() {
        long exp = now();
        clock.advance(TokenRules.DEFAULT_CLOCK_SKEW.minusMillis(1));

        assertThat(authenticate(claimsWithExp(exp))).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void tokenIsRejectedOnceTheClockSkewAfterExpiryHasPassed() {
        long exp = now();
        clock.advance(TokenRules.DEFAULT_CLOCK_SKEW);

        assertThat(authenticate(claimsWithExp(exp))).isEqualTo(AuthResult.rejected("expired"));
    }

    @Test
    void tokenBeforeItsNotBeforeTimeIsRejectedAsNotYetValid() {
        assertThat(authenticate("{\"sub\":\"alice\",\"nbf\":" + (now() + 3600) + ",\"exp\":" + (now() + 7200) + "}"))
                .isEqualTo(AuthResult.rejected("not_yet_valid"));
    }

    @Test
    void tokenIsAcceptedExactlyOneSkewBeforeItsNotBeforeTime() {
        long nbf = now() + TokenRules.DEFAULT_CLOCK_SKEW.toSeconds();

        assertThat(authenticate("{\"sub\":\"alice\",\"nbf\":" + nbf + ",\"exp\":" + (now() + 3600) + "}"))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void tokenIsRejectedJustMoreThanOneSkewBeforeItsNotBeforeTime() {
        long nbf = now() + TokenRules.DEFAULT_CLOCK_SKEW.toSeconds();
        clock.advance(Duration.ofMillis(-1));

        assertThat(authenticate("{\"sub\":\"alice\",\"nbf\":" + nbf + ",\"exp\":" + (now() + 3600) + "}"))
                .isEqualTo(AuthResult.rejected("not_yet_valid"));
    }

    @Test
    void zeroSkewRejectsATokenAtTheSecondOfItsExpiry() {
        Hs256TokenAuthenticator strict = new Hs256TokenAuthenticator(Tokens.SECRET,
                TokenRules.builder().clockSkew(Duration.ZERO).build(), clock);

        assertThat(strict.authenticate(Tokens.hs256(Tokens.SECRET, claimsWithExp(now()))))
                .isEqualTo(AuthResult.rejected("expired"));
        assertThat(strict.authenticate(Tokens.hs256(Tokens.SECRET, claimsWithExp(now() + 1))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void tokenWithoutExpiryIsRejectedByDefaultAndAcceptedWhenExpiryIsOptional() {
        String noExp = Tokens.hs256(Tokens.SECRET, "{\"sub\":\"alice\"}");
        Hs256TokenAuthenticator lenient = new Hs256TokenAuthenticator(Tokens.SECRET,
                TokenRules.builder().requireExpiry(false).build(), clock);

        assertThat(authenticator.authenticate(noExp)).isEqualTo(AuthResult.rejected("bad_claim"));
        assertThat(lenient.authenticate(noExp)).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void wrongOrMissingIssuerIsRejectedWhenAnIssuerIsRequired() {
        Hs256TokenAuthenticator withIssuer = new Hs256TokenAuthenticator(Tokens.SECRET,
                TokenRules.builder().issuer("https://idp.example").build(), clock);

        assertThat(withIssuer.authenticate(Tokens.hs256(Tokens.SECRET, claimsWith("\"iss\":\"https://evil.example\""))))
                .isEqualTo(AuthResult.rejected("wrong_issuer"));
        assertThat(withIssuer.authenticate(Tokens.hs256(Tokens.SECRET, claimsWith(""))))
                .isEqualTo(AuthResult.rejected("wrong_issuer"));
        assertThat(withIssuer.authenticate(Tokens.hs256(Tokens.SECRET, claimsWith("\"iss\":\"https://idp.example\""))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void wrongAudienceIsRejectedAndAnAudienceArrayContainingTheExpectedOneIsAccepted() {
        Hs256TokenAuthenticator withAudience = new Hs256TokenAuthenticator(Tokens.SECRET,
                TokenRules.builder().audience("roomcast").build(), clock);

        assertThat(withAudience.authenticate(Tokens.hs256(Tokens.SECRET, claimsWith("\"aud\":\"billing\""))))
                .isEqualTo(AuthResult.rejected("wrong_audience"));
        assertThat(withAudience.authenticate(Tokens.hs256(Tokens.SECRET, claimsWith("\"aud\":[\"billing\",\"roomcast\"]"))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void minterAndAuthenticatorWithTheSameRulesAgreeOnIssuerAndAudience() {
        TokenRules rules = TokenRules.of("https://idp.example", "roomcast");
        TokenMinter minter = new TokenMinter(Tokens.SECRET, rules, clock);
        String token = minter.mint("carol", Optional.empty(), Set.of(), Duration.ofMinutes(1));

        assertThat(new Hs256TokenAuthenticator(Tokens.SECRET, rules, clock).authenticate(token))
                .isInstanceOf(AuthResult.Authenticated.class);
        assertThat(new Hs256TokenAuthenticator(Tokens.SECRET, TokenRules.of("https://idp.example", "other"), clock)
                .authenticate(token)).isEqualTo(AuthResult.rejected("wrong_audience"));
    }

    @Test
    void tamperedPayloadIsRejectedAsBadSignature() {
        String token = Tokens.hs256(Tokens.SECRET, claimsWith("\"roles\":[\"viewer\"]"));
        String[] parts = token.split("\\.");
        String forgedPayload = Tokens.b64(claimsWith("\"roles\":[\"admin\"]"));

        assertThat(authenticator.authenticate(parts[0] + "." + forgedPayload + "." + parts[2]))
                .isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void tokenSignedWithAnotherSecretIsRejectedAsBadSignature() {
        assertThat(authenticator.authenticate(Tokens.hs256(Tokens.OTHER_SECRET, claimsWith(""))))
                .isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void unsignedTokenWithAlgNoneIsRejected() {
        assertThat(authenticator.authenticate(Tokens.unsigned(claimsWith(""))))
                .isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void algNoneWithASignaturePartOrInOtherCaseIsRejected() {
        String payload = Tokens.b64(claimsWith(""));

        assertThat(authenticator.authenticate(Tokens.b64("{\"alg\":\"none\"}") + "." + payload + ".c2ln"))
                .isEqualTo(AuthResult.rejected("alg_not_allowed"));
        assertThat(authenticator.authenticate(Tokens.b64("{\"alg\":\"NONE\"}") + "." + payload + "."))
                .isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void hs384TokenIsRejectedBecauseOnlyHs256IsAllowed() {
        String token = Tokens.sign(new JWSHeader(JWSAlgorithm.HS384), claimsWith(""),
                Tokens.macSigner("a-secret-long-enough-for-hs384-a-secret-long-enough".getBytes()));

        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void expiryGivenAsAStringIsRejectedAsBadClaim() {
        assertThat(authenticate("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}")).isEqualTo(AuthResult.rejected("bad_claim"));
    }

    @Test
    void outOfRangeOrNonNumericTimeClaimsAreRejectedAsBadClaim() {
        assertThat(authenticate("{\"sub\":\"alice\",\"exp\":1e300}")).isEqualTo(AuthResult.rejected("bad_claim"));
        assertThat(authenticate("{\"sub\":\"alice\",\"exp\":-5}")).isEqualTo(AuthResult.rejected("bad_claim"));
        assertThat(authenticate(claimsWith("\"nbf\":true"))).isEqualTo(AuthResult.rejected("bad_claim"));
        assertThat(authenticate(claimsWith("\"iat\":\"now\""))).isEqualTo(AuthResult.rejected("bad_claim"));
    }

    @Test
    void fractionalExpiryIsAcceptedAsANumericDate() {
        assertThat(authenticate("{\"sub\":\"alice\",\"exp\":" + (now() + 60) + ".5}")).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void rolesThatAreNotAnArrayOfStringsAreRejectedAsBadClaim() {
        assertThat(authenticate(claimsWith("\"roles\":\"admin\""))).isEqualTo(AuthResult.rejected("bad_claim"));
        assertThat(authenticate(claimsWith("\"roles\":[\"admin\",7]"))).isEqualTo(AuthResult.rejected("bad_claim"));
    }

    @Test
    void tokenWithoutSubjectIsRejectedAsMissingSubject() {
        assertThat(authenticate("{\"exp\":" + (now() + 60) + "}")).isEqualTo(AuthResult.rejected("missing_subject"));
        assertThat(authenticate("{\"sub\":\"  \",\"exp\":" + (now() + 60) + "}")).isEqualTo(AuthResult.rejected("missing_subject"));
    }

    @Test
    void numericSubjectIsRejectedAsBadClaimInsteadOfBeingCoercedToText() {
        assertThat(authenticate("{\"sub\":42,\"exp\":" + (now() + 60) + "}")).isEqualTo(AuthResult.rejected("bad_claim"));
    }

    @Test
    void garbageEmptyNullAndOversizedTokensAreRejectedAsMalformed() {
        String signedGarbagePayload = Tokens.sign(new JWSHeader(JWSAlgorithm.HS256), "not json", Tokens.macSigner(Tokens.SECRET));

        assertThat(authenticator.authenticate("not-a-token")).isEqualTo(AuthResult.rejected("malformed"));
        assertThat(authenticator.authenticate("a.b.c")).isEqualTo(AuthResult.rejected("malformed"));
        assertThat(authenticator.authenticate("")).isEqualTo(AuthResult.rejected("malformed"));
        assertThat(authenticator.authenticate(null)).isEqualTo(AuthResult.rejected("malformed"));
        assertThat(authenticator.authenticate(signedGarbagePayload)).isEqualTo(AuthResult.rejected("malformed"));
        assertThat(authenticate(claimsWith("\"pad\":\"" + "x".repeat(20_000) + "\""))).isEqualTo(AuthResult.rejected("malformed"));
    }

    @Test
    void secretShorterThan32BytesIsRefusedWithAMessageNamingTheRule() {
        assertThatThrownBy(() -> new Hs256TokenAuthenticator(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tokenSecret: expected at least 32 bytes (RFC 7518 §3.2) but was 31");
        assertThatThrownBy(() -> new TokenMinter(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 bytes");
    }

    @Test
    void secretExactly32BytesLongIsAccepted() {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
        Hs256TokenAuthenticator exact = new Hs256TokenAuthenticator(secret, TokenRules.defaults(), clock);

        assertThat(exact.authenticate(Tokens.hs256(secret, claimsWith("")))).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void mutatingTheCallersSecretAfterConstructionDoesNotChangeVerification() {
        byte[] secret = Tokens.SECRET.clone();
        Hs256TokenAuthenticator copyHolder = new Hs256TokenAuthenticator(secret, TokenRules.defaults(), clock);
        String token = Tokens.hs256(Tokens.SECRET, claimsWith(""));

        java.util.Arrays.fill(secret, (byte) 0);

        assertThat(copyHolder.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(copyHolder.authenticate(Tokens.hs256(secret, claimsWith("")))).isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void minterRefusesABlankSubjectAndANonPositiveLifetime() {
        TokenMinter minter = new TokenMinter(Tokens.SECRET, TokenRules.defaults(), clock);

        assertThatThrownBy(() -> minter.mint(" ", Optional.empty(), Set.of(), Duration.ofMinutes(1)))
                .hasMessage("subject: expected a non-blank value");
        assertThatThrownBy(() -> minter.mint("alice", Optional.empty(), Set.of(), Duration.ZERO))
                .hasMessage("ttl: expected a positive duration but was PT0S");
    }

    @Test
    void tokenRulesRefuseANegativeOrHugeSkewAndBlankIssuer() {
        assertThatThrownBy(() -> TokenRules.builder().clockSkew(Duration.ofSeconds(-1)).build())
                .hasMessage("clockSkew: expected between PT0S and PT5M but was PT-1S");
        assertThatThrownBy(() -> TokenRules.builder().clockSkew(Duration.ofMinutes(5).plusSeconds(1)).build())
                .hasMessageStartingWith("clockSkew: expected between PT0S and PT5M");
        assertThatThrownBy(() -> TokenRules.builder().issuer(" ").build())
                .hasMessage("issuer: expected a non-blank value or none");
        assertThat(TokenRules.defaults()).isEqualTo(new TokenRules(Optional.empty(), Optional.empty(), Duration.ofSeconds(30), true));
    }

    private String claimsWithExp(long exp) {
        return "{\"sub\":\"alice\",\"exp\":" + exp + "}";
    }

    private String claimsWith(String extra) {
        return Tokens.claims(Instant.ofEpochSecond(now()), extra);
    }

    @Test
    void anHmacCheckDeclaresThatItNeverBlocks() {
        assertThat(authenticator.mayBlock()).isFalse();
    }
}
