package dev.roomcast.auth;

import dev.roomcast.auth.internal.RoomPattern;
import dev.roomcast.core.Identity;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides room access from the identity's subject, claims and roles with an ordered list of rules
 * over room-name patterns. The first rule whose pattern matches decides: {@code allow} allows,
 * {@code allowWithRole} allows holders of the role and denies everyone else, {@code deny} denies. When
 * no rule matches, the room is denied ({@code ROOM_FORBIDDEN}, like every denial here). Those rules
 * allow {@code publish} too; {@code allowSubscribe} lets everyone in to receive only, and
 * {@code allowPublishWithRole} lets everyone in and only holders of the role publish (the others get
 * {@code PUBLISH_FORBIDDEN} for a {@code publish}, see {@link dev.roomcast.core.RoomAccess}). In a pattern,
 * {@code *} matches any run of characters (also none, also {@code :}), and {@code {sub}} or
 * {@code {claim}} is replaced by the subject or a string claim, taken literally. A replaced value must
 * be letters, digits, {@code _ . -}; otherwise, or when the claim is absent, the rule does not match,
 * so a subject like {@code alice:x} cannot reach into {@code team:alice:x:…}. Immutable and thread-safe.
 *
 * <pre>{@code
 * RoomAcl acl = RoomAcl.builder()
 *     .allow("lobby")
 *     .allow("team:{sub}:*")            // alice may enter team:alice:general, not team:bob:x
 *     .allowWithRole("admin:*", "admin")
 *     .deny("internal:*")
 *     .allow("org:{tenant}:*")          // the identity's string claim "tenant"
 *     .allowPublishWithRole("news", "editor") // everyone reads news, editors also publish
 *     .allowSubscribe("prices:*")        // only the service writes prices
 *     .build();
 * }</pre>
 */
public final class RoomAcl implements RoomAuthorizer {
    private final List<Rule> rules;

    private RoomAcl(Builder builder) {
        this.rules = List.copyOf(builder.rules);
    }

    /** A builder with no rules. */
    public static Builder builder() {
        return new Builder();
    }

    /** Rules matched against the identity's claims in memory: never waits for anything. */
    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public RoomDecision authorize(RoomAccessRequest request) {
        Identity identity = request.identity();
        String room = request.room().value();
        for (Rule rule : rules) {
            if (!rule.pattern().matches(room, claim -> value(identity, claim))) {
                continue;
            }
            return switch (rule.effect()) {
                case ALLOW -> RoomDecision.allowed();
                case DENY -> RoomDecision.forbidden("denied by rule '" + rule.pattern() + "'");
                case ALLOW_WITH_ROLE -> identity.hasRole(rule.role())
                        ? RoomDecision.allowed()
                        : RoomDecision.forbidden("rule '" + rule.pattern() + "' requires role '" + rule.role() + "'");
                case ALLOW_SUBSCRIBE -> RoomDecision.subscribeOnly();
                case ALLOW_PUBLISH_WITH_ROLE -> identity.hasRole(rule.role())
                        ? RoomDecision.allowed()
                        : RoomDecision.subscribeOnly();
            };
        }
        return RoomDecision.forbidden("no ACL rule matches the room");
    }

    private static Optional<String> value(Identity identity, String claim) {
        if (claim.equals("sub")) {
            return Optional.of(identity.subject());
        }
        return identity.claim(claim).filter(String.class::isInstance).map(String.class::cast);
    }

    private enum Effect { ALLOW, ALLOW_WITH_ROLE, ALLOW_SUBSCRIBE, ALLOW_PUBLISH_WITH_ROLE, DENY }

    private record Rule(RoomPattern pattern, Effect effect, String role) {
    }

    /** Collects rules in the order they are tried; patterns are checked as they are added. Not thread-safe. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();

        private Builder() {
        }

        /** Allows rooms matching {@code pattern}. */
        public Builder allow(String pattern) {
            rules.add(new Rule(RoomPattern.parse(pattern), Effect.ALLOW, ""));
            return this;
        }

        /** For rooms matching {@code pattern}: allows identities holding {@code role}, denies the rest. */
        public Builder allowWithRole(String pattern, String role) {
            rules.add(new Rule(RoomPattern.parse(pattern), Effect.ALLOW_WITH_ROLE, checkedRole(role)));
            return this;
        }

        /**
         * Allows rooms matching {@code pattern} to receive only: a member's {@code publish} there is
         * refused with {@code PUBLISH_FORBIDDEN}. For rooms only the service broadcasts to.
         */
        public Builder allowSubscribe(String pattern) {
            rules.add(new Rule(RoomPattern.parse(pattern), Effect.ALLOW_SUBSCRIBE, ""));
            return this;
        }

        /**
         * For rooms matching {@code pattern}: allows everyone in, and lets only identities holding
         * {@code role} publish; the rest receive only ({@code PUBLISH_FORBIDDEN} for a {@code publish}).
         */
        public Builder allowPublishWithRole(String pattern, String role) {
            rules.add(new Rule(RoomPattern.parse(pattern), Effect.ALLOW_PUBLISH_WITH_ROLE, checkedRole(role)));
            return this;
        }

        /** Denies rooms matching {@code pattern}. */
        public Builder deny(String pattern) {
            rules.add(new Rule(RoomPattern.parse(pattern), Effect.DENY, ""));
            return this;
        }

        private static String checkedRole(String role) {
            Objects.requireNonNull(role, "role");
            if (role.isBlank()) {
                throw new IllegalArgumentException("role: expected a non-blank role name");
            }
            return role;
        }

        /** The ACL; with no rules it denies every room. */
        public RoomAcl build() {
            return new RoomAcl(this);
        }
    }
}
