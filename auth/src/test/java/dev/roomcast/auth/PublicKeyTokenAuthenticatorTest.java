package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.roomcast.core.AuthResult;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RS256 and ES256: the asymmetric authenticators, and the algorithm-confusion attacks against them. */
@Timeout(20)
class PublicKeyTokenAuthenticatorTest {
    // Key generation is the slow part of these tests, so each key pair is made once for the class.
    private static final KeyPair RSA = Tokens.rsaKeyPair(2048);
    private static final KeyPair OTHER_RSA = Tokens.rsaKeyPair(2048);
    private static final KeyPair EC = Tokens.ecKeyPair("secp256r1");
    private static final KeyPair OTHER_EC = Tokens.ecKeyPair("secp256r1");

    private final FakeClock clock = new FakeClock();
    private final Rs256TokenAuthenticator rs256 = new Rs256TokenAuthenticator((RSAPublicKey) RSA.getPublic(), TokenRules.defaults(), clock);
    private final Es256TokenAuthenticator es256 = new Es256TokenAuthenticator((ECPublicKey) EC.getPublic(), TokenRules.defaults(), clock);
    private final String claims = Tokens.claims(FakeClock.START, "\"roles\":[\"admin\"]");

    @Test
    void validRs256TokenIsAcceptedWithItsIdentity() {
        AuthResult result = rs256.authenticate(Tokens.rs256(RSA, "k1", claims));

        assertThat(result).isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> {
            assertThat(a.identity().subject()).isEqualTo("alice");
            assertThat(a.identity().roles()).containsExactly("admin");
        });
    }

    @Test
    void rs256TokenSignedByAnotherKeyIsRejectedAsBadSignature() {
        assertThat(rs256.authenticate(Tokens.rs256(OTHER_RSA, "k1", claims))).isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void hs256TokenSignedWithTheRsaPublicKeyBytesIsRejectedByTheRs256Authenticator() {
        byte[] publicKeyBytes = RSA.getPublic().getEncoded();
        String confused = Tokens.sign(new JWSHeader(JWSAlgorithm.HS256), claims, Tokens.macSigner(publicKeyBytes));

        assertThat(rs256.authenticate(confused)).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void expiredRs256TokenIsRejectedByTheSharedClaimRules() {
        clock.advance(java.time.Duration.ofHours(2));

        assertThat(rs256.authenticate(Tokens.rs256(RSA, "k1", claims))).isEqualTo(AuthResult.rejected("expired"));
    }

    @Test
    void es256TokenIsRejectedByTheRs256AuthenticatorAndViceVersa() {
        assertThat(rs256.authenticate(Tokens.es256(EC, "k1", claims))).isEqualTo(AuthResult.rejected("alg_not_allowed"));
        assertThat(es256.authenticate(Tokens.rs256(RSA, "k1", claims))).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void rsaKeyShorterThan2048BitsIsRefused() {
        RSAPublicKey weak = (RSAPublicKey) Tokens.rsaKeyPair(1024).getPublic();

        assertThatThrownBy(() -> new Rs256TokenAuthenticator(weak))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("publicKey: expected an RSA key of at least 2048 bits but was 1024");
    }

    @Test
    void validEs256TokenIsAcceptedWithItsIdentity() {
        AuthResult result = es256.authenticate(Tokens.es256(EC, "k1", claims));

        assertThat(result).isInstanceOfSatisfying(AuthResult.Authenticated.class,
                a -> assertThat(a.identity().subject()).isEqualTo("alice"));
    }

    @Test
    void es256TokenSignedByAnotherKeyIsRejectedAsBadSignature() {
        assertThat(es256.authenticate(Tokens.es256(OTHER_EC, "k1", claims))).isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void tamperedEs256PayloadIsRejectedAsBadSignature() {
        String[] parts = Tokens.es256(EC, "k1", claims).split("\\.");
        String forged = parts[0] + "." + Tokens.b64(claims.replace("alice", "mallory")) + "." + parts[2];

        assertThat(es256.authenticate(forged)).isEqualTo(AuthResult.rejected("bad_signature"));
    }

    @Test
    void hs256TokenSignedWithTheEcPublicKeyBytesIsRejectedByTheEs256Authenticator() {
        String confused = Tokens.sign(new JWSHeader(JWSAlgorithm.HS256), claims, Tokens.macSigner(EC.getPublic().getEncoded()));

        assertThat(es256.authenticate(confused)).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void unsignedTokenIsRejectedByBothPublicKeyAuthenticators() {
        assertThat(rs256.authenticate(Tokens.unsigned(claims))).isEqualTo(AuthResult.rejected("alg_not_allowed"));
        assertThat(es256.authenticate(Tokens.unsigned(claims))).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void ecKeyOnAnotherCurveIsRefused() {
        ECPublicKey p384 = (ECPublicKey) Tokens.ecKeyPair("secp384r1").getPublic();

        assertThatThrownBy(() -> new Es256TokenAuthenticator(p384))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("publicKey: expected an EC key on P-256 but was on P-384");
    }

    @Test
    void staticKeyVerifiersDeclareThatTheyNeverBlock() {
        assertThat(rs256.mayBlock()).isFalse();
        assertThat(es256.mayBlock()).isFalse();
    }
}
