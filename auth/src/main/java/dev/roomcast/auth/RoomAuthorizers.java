package dev.roomcast.auth;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Combines room authorizers into one. Both combinators ask their parts in the order given and stop
 * as soon as the answer is known, so put cheap checks (an ACL) before expensive ones (a password).
 */
public final class RoomAuthorizers {
    private RoomAuthorizers() {
    }

    /** Allows only if every authorizer allows; see {@link #allOf(List)}. */
    public static RoomAuthorizer allOf(RoomAuthorizer... authorizers) {
        return allOf(List.of(authorizers));
    }

    /**
     * Allows only if every authorizer allows; the first denial is the answer. The allowed access is the
     * narrowest of the parts': if any grants {@link RoomAccess#SUBSCRIBE} only, the member may not publish.
     */
    public static RoomAuthorizer allOf(List<RoomAuthorizer> authorizers) {
        List<RoomAuthorizer> parts = parts(authorizers);
        return composite(parts, request -> {
            RoomAccess access = RoomAccess.PUBLISH;
            for (RoomAuthorizer part : parts) {
                switch (part.authorize(request)) {
                    case RoomDecision.Denied denied -> {
                        return denied;
                    }
                    case RoomDecision.Allowed allowed -> access = access.narrowest(allowed.access());
                }
            }
            return new RoomDecision.Allowed(access);
        });
    }

    /**
     * Allows if any authorizer allows (the first allow ends the search, and its access is the answer's:
     * order a part that grants publish before one that grants receiving only). When all deny, the answer is
     * the first {@code RATE_LIMITED} denial if there is one — so throttling stays visible to the client —
     * otherwise the first denial; its reason lists every part's reason, for logs.
     */
    public static RoomAuthorizer anyOf(RoomAuthorizer... authorizers) {
        return anyOf(List.of(authorizers));
    }

    /** See {@link #anyOf(RoomAuthorizer...)}. */
    public static RoomAuthorizer anyOf(List<RoomAuthorizer> authorizers) {
        List<RoomAuthorizer> parts = parts(authorizers);
        return composite(parts, request -> anyOf(parts, request));
    }

    /** A combination that may block if any of its parts may. */
    private static RoomAuthorizer composite(List<RoomAuthorizer> parts, RoomAuthorizer decide) {
        boolean mayBlock = parts.stream().anyMatch(RoomAuthorizer::mayBlock);
        return new RoomAuthorizer() {
            @Override
            public RoomDecision authorize(RoomAccessRequest request) {
                return decide.authorize(request);
            }

            @Override
            public boolean mayBlock() {
                return mayBlock;
            }

            @Override
            public boolean mayBlock(RoomAccessRequest request) {
                for (RoomAuthorizer part : parts) {
                    if (part.mayBlock(request)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    private static RoomDecision anyOf(List<RoomAuthorizer> parts, RoomAccessRequest request) {
        List<RoomDecision.Denied> denials = new ArrayList<>(parts.size());
        for (RoomAuthorizer part : parts) {
            switch (part.authorize(request)) {
                case RoomDecision.Allowed allowed -> {
                    return allowed;
                }
                case RoomDecision.Denied denied -> denials.add(denied);
            }
        }
        RoomDecision.Denied chosen = denials.stream().filter(d -> d.code() == ErrorCode.RATE_LIMITED)
                .findFirst().orElse(denials.getFirst());
        if (denials.size() == 1) {
            return chosen;
        }
        List<String> reasons = denials.stream().map(RoomDecision.Denied::reason).toList();
        return new RoomDecision.Denied(chosen.code(), "no alternative allowed: " + String.join("; ", reasons));
    }

    private static List<RoomAuthorizer> parts(List<RoomAuthorizer> authorizers) {
        List<RoomAuthorizer> parts = List.copyOf(Objects.requireNonNull(authorizers, "authorizers"));
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("authorizers: expected at least one");
        }
        return parts;
    }
}
