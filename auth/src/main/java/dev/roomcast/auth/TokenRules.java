package dev.roomcast.auth;

import dev.roomcast.auth.internal.ClaimRules;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The claim rules every token authenticator applies after the signature checks out, whatever the
 * algorithm. A token is refused once {@code now >= exp + clockSkew} ({@code expired}) or while
 * {@code now + clockSkew < nbf} ({@code not_yet_valid}); {@code sub} must be a non-blank string, and
 * {@code exp}, {@code nbf}, {@code iat} must be numbers (seconds since the epoch) when present.
 *
 * @param issuer        the {@code iss} every token must carry; default none (not checked)
 * @param audience      a value {@code aud} must contain (as a string or in an array); default none (not checked)
 * @param clockSkew     how far clocks may disagree, applied to {@code exp} and {@code nbf}; default 30 s, at most {@link #MAX_CLOCK_SKEW}
 * @param requireExpiry whether a token without {@code exp} is refused ({@code bad_claim}); default {@code true}
 */
public record TokenRules(Optional<String> issuer, Optional<String> audience, Duration clockSkew, boolean requireExpiry) {
    /** Default {@link #clockSkew()}. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Largest accepted {@link #clockSkew()}: beyond this, expiry stops meaning much. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    public TokenRules {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (issuer.isPresent() && issuer.get().isBlank()) {
            throw new IllegalArgumentException("issuer: expected a non-blank value or none");
        }
        if (audience.isPresent() && audience.get().isBlank()) {
            throw new IllegalArgumentException("audience: expected a non-blank value or none");
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("clockSkew: expected between PT0S and " + MAX_CLOCK_SKEW + " but was " + clockSkew);
        }
    }

    /** No issuer or audience check, 30 s skew, expiry required. */
    public static TokenRules defaults() {
        return new TokenRules(Optional.empty(), Optional.empty(), DEFAULT_CLOCK_SKEW, true);
    }

    /** The defaults plus a required issuer and audience. */
    public static TokenRules of(String issuer, String audience) {
        return builder().issuer(issuer).audience(audience).build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these rules. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    ClaimRules claimRules() {
        return new ClaimRules(issuer, audience, clockSkew, requireExpiry);
    }

    /** Collects rules; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private Optional<String> issuer;
        private Optional<String> audience;
        private Duration clockSkew;
        private boolean requireExpiry;

        private Builder(TokenRules from) {
            this.issuer = from.issuer;
            this.audience = from.audience;
            this.clockSkew = from.clockSkew;
            this.requireExpiry = from.requireExpiry;
        }

        /** See {@link TokenRules#issuer()}. */
        public Builder issuer(String value) {
            this.issuer = Optional.of(Objects.requireNonNull(value, "issuer"));
            return this;
        }

        /** See {@link TokenRules#audience()}. */
        public Builder audience(String value) {
            this.audience = Optional.of(Objects.requireNonNull(value, "audience"));
            return this;
        }

        /** See {@link TokenRules#clockSkew()}. */
        public Builder clockSkew(Duration value) {
            this.clockSkew = value;
            return this;
        }

        /** See {@link TokenRules#requireExpiry()}. */
        public Builder requireExpiry(boolean value) {
            this.requireExpiry = value;
            return this;
        }

        /** Builds and validates. */
        public TokenRules build() {
            return new TokenRules(issuer, audience, clockSkew, requireExpiry);
        }
    }
}
