package dev.roomcast.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.InvalidAlgorithmParameterException;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;

/**
 * Builds test tokens with any header and raw JSON payload, so tests can make tokens no well-behaved
 * issuer would (string {@code exp}, no {@code sub}, {@code alg=none}). Uses the JWT library for the
 * signatures, like production code.
 */
final class Tokens {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test-secret".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_SECRET = "another-secret-of-more-than-32-bytes!!".getBytes(StandardCharsets.US_ASCII);

    private Tokens() {
    }

    static String hs256(byte[] secret, String payloadJson) {
        return sign(new JWSHeader(JWSAlgorithm.HS256), payloadJson, macSigner(secret));
    }

    static String rs256(KeyPair rsa, String kid, String payloadJson) {
        return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), payloadJson, new RSASSASigner(rsa.getPrivate()));
    }

    static String es256(KeyPair ec, String kid, String payloadJson) {
        try {
            return sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), payloadJson,
                    new ECDSASigner((ECPrivateKey) ec.getPrivate()));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(JWSHeader header, String payloadJson, JWSSigner signer) {
        JWSObject jws = new JWSObject(header, new Payload(payloadJson));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jws.serialize();
    }

    static JWSSigner macSigner(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsecured token: header {"alg":"none"}, the payload, and an empty signature part. */
    static String unsigned(String payloadJson) {
        return b64("{\"alg\":\"none\"}") + "." + b64(payloadJson) + ".";
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * {@code headerPart.payloadPart.signature}, the parts taken as they are (any encoding, padding or
     * stray characters) and the HS256 signature made over exactly that text, as a verifier computes it.
     */
    static String hs256Raw(byte[] secret, String headerPart, String payloadPart) {
        return headerPart + "." + payloadPart + "." + hmacSha256(secret, headerPart + "." + payloadPart);
    }

    /** The base64url (unpadded) HMAC-SHA256 of the UTF-8 bytes of {@code signingInput}. */
    static String hmacSha256(byte[] secret, String signingInput) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            return Base64URL.encode(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8))).toString();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code {"sub":"alice","exp":…}} valid for an hour after {@code now}, plus {@code extra} members (JSON without braces). */
    static String claims(Instant now, String extra) {
        return "{\"sub\":\"alice\",\"exp\":" + now.plusSeconds(3600).getEpochSecond() + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static KeyPair rsaKeyPair(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException(e);
        }
    }
}
