package dev.roomcast.auth.internal;

import dev.roomcast.core.AuthResult;

/**
 * Why a token was refused, as the short fixed words that end up in {@link AuthResult.Rejected}
 * (and so in logs and metric labels). Fixed words, never free text, so nothing from the token can
 * leak through a reason.
 */
public enum Rejection {
    MALFORMED("malformed"),
    ALG_NOT_ALLOWED("alg_not_allowed"),
    BAD_SIGNATURE("bad_signature"),
    UNKNOWN_KEY("unknown_key"),
    EXPIRED("expired"),
    NOT_YET_VALID("not_yet_valid"),
    WRONG_ISSUER("wrong_issuer"),
    WRONG_AUDIENCE("wrong_audience"),
    MISSING_SUBJECT("missing_subject"),
    BAD_CLAIM("bad_claim");

    private final String reason;
    private final AuthResult result;

    Rejection(String reason) {
        this.reason = reason;
        this.result = AuthResult.rejected(reason);
    }

    /** The reason word. */
    public String reason() {
        return reason;
    }

    /** The shared rejected result carrying this reason. */
    public AuthResult result() {
        return result;
    }
}
