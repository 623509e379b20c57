package dev.roomcast.bench.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 signature check with the JDK alone, for the raw baselines: it checks the signature of a
 * compact JWS and nothing else (no claims), the least any token-authenticated server must do, so the
 * raw floor pays for the HMAC as Roomcast does.
 */
public final class Hs256Signature {
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    public Hs256Signature(byte[] secret) {
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
    }

    public boolean verify(String token) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.length() - 1) {
            return false;
        }
        byte[] expected;
        byte[] given;
        try {
            Mac mac = macs.get();
            expected = mac.doFinal(token.substring(0, second).getBytes(StandardCharsets.US_ASCII));
            given = Base64.getUrlDecoder().decode(token.substring(second + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }
}
