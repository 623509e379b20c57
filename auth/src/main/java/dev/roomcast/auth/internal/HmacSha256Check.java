package dev.roomcast.auth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACVerifier;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 with the JDK's {@code HmacSHA256}: the MAC over the signing input {@code header.payload} as
 * the token spells it (its UTF-8 bytes, for any real token its ASCII characters), compared in
 * constant time ({@link MessageDigest#isEqual}) with the decoded signature, which must be 32 bytes.
 * The key is set up once; each check takes a {@link Mac} from a small pool (a clone of one keyed
 * prototype when the pool is empty), never a thread-local, since callers are often short-lived
 * virtual threads. A header that is not plain (see {@link JoseHeader}) is checked by the library's
 * {@link MACVerifier} instead, exactly as before, for its {@code crit} and {@code b64} handling.
 * Thread-safe; never blocks.
 */
public final class HmacSha256Check implements SignatureCheck {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 32;
    /** MACs kept for reuse. A check never blocks, so no more run at once than there are running threads. */
    private static final int POOL_SIZE = 16;
    /** Initial signing-input buffer of a pooled MAC; it grows to the longest token seen, at most the token limit. */
    private static final int INITIAL_INPUT_BYTES = 512;

    private final SecretKeySpec key;
    /** Keyed once and never used itself: cloning it skips the provider lookup and the key setup. */
    private final Mac prototype;
    private final ArrayBlockingQueue<PooledMac> idle = new ArrayBlockingQueue<>(POOL_SIZE);
    private final SignatureCheck library;

    /** A check for {@code secret}, which the caller has checked for strength; the bytes are copied. */
    public HmacSha256Check(byte[] secret) {
        key = new SecretKeySpec(secret, ALGORITHM);
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(key);
            library = new LibrarySignatureCheck(new MACVerifier(secret));
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalArgumentException("tokenSecret: not usable as an HS256 key", e);
        }
    }

    @Override
    public boolean holds(JoseHeader header, CompactJws token) {
        if (!header.isPlain()) {
            return library.holds(header, token);
        }
        if (token.signatureLength() != MAC_BYTES) {
            return false;
        }
        PooledMac pooled = borrow();
        boolean holds = pooled.holds(token);
        // Only returned after a complete check, so a pooled MAC is never left mid-computation.
        idle.offer(pooled);
        return holds;
    }

    private PooledMac borrow() {
        PooledMac pooled = idle.poll();
        if (pooled != null) {
            return pooled;
        }
        try {
            // Cloning only reads the prototype, so threads may clone it at the same time.
            return new PooledMac((Mac) prototype.clone());
        } catch (CloneNotSupportedException e) {
            // The JDK's HmacSHA256 is cloneable; another provider's may not be.
            try {
                Mac mac = Mac.getInstance(ALGORITHM, prototype.getProvider());
                mac.init(key);
                return new PooledMac(mac);
            } catch (GeneralSecurityException impossible) {
                throw new IllegalStateException("HmacSHA256 stopped accepting the key it was keyed with", impossible);
            }
        }
    }

    /** One MAC and the buffers of one check; used by one thread at a time, between borrow and offer. */
    private final class PooledMac {
        private final Mac mac;
        private final byte[] computed = new byte[MAC_BYTES];
        private final byte[] given = new byte[MAC_BYTES];
        private byte[] input = new byte[INITIAL_INPUT_BYTES];

        PooledMac(Mac mac) {
            this.mac = mac;
        }

        boolean holds(CompactJws token) {
            int length = token.signingInputLength();
            if (input.length < length) {
                input = new byte[Math.max(length, 2 * input.length)];
            }
            if (token.copyAsciiSigningInput(input)) {
                mac.update(input, 0, length);
            } else {
                mac.update(token.signingInputUtf8());
            }
            try {
                mac.doFinal(computed, 0);
            } catch (ShortBufferException impossible) {
                throw new IllegalStateException("HmacSHA256 produced more than " + MAC_BYTES + " bytes", impossible);
            }
            token.signature(given);
            return MessageDigest.isEqual(computed, given);
        }
    }
}
