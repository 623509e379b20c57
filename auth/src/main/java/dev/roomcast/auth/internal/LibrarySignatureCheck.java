package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import java.util.Objects;

/**
 * A signature check by one of the JWT library's verifiers (RSA, EC, and HMAC for headers that are not
 * plain), fed what the library's own {@code JWSObject.verify} fed it: the parsed header, the signing
 * input (RFC 7797's unencoded form when the header says {@code "b64":false}) and the signature part.
 * The verifier enforces {@code crit} as before: a token whose {@code crit} names a parameter the
 * verifier does not process (it processes {@code b64}) does not verify. Thread-safe if the verifier is.
 */
public final class LibrarySignatureCheck implements SignatureCheck {
    private final JWSVerifier verifier;

    public LibrarySignatureCheck(JWSVerifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    @Override
    public boolean holds(JoseHeader header, CompactJws token) {
        JWSHeader parsed = header.libraryHeader();
        byte[] signingInput = parsed.isBase64URLEncodePayload() ? token.signingInputUtf8() : token.unencodedSigningInputUtf8();
        try {
            return verifier.verify(parsed, signingInput, new Base64URL(token.signatureText()));
        } catch (Exception e) {
            // JWSObject.verify turned every exception of the verifier into a JOSEException, which
            // meant a bad signature (e.g. a signature of the wrong length for ECDSA).
            return false;
        }
    }
}
