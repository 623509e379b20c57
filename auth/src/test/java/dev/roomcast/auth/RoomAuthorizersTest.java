package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Identity;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoomAuthorizersTest {
    private static final RoomAccessRequest REQUEST =
            new RoomAccessRequest(Identity.of("alice"), RoomName.of("lobby"), Optional.empty(), "127.0.0.1");
    private static final RoomDecision.Denied THROTTLED = new RoomDecision.Denied(ErrorCode.RATE_LIMITED, "slow down");

    private final AtomicInteger calls = new AtomicInteger();

    private RoomAuthorizer counting(RoomDecision decision) {
        return request -> {
            calls.incrementAndGet();
            return decision;
        };
    }

    @Test
    void allOfAllowsWhenEveryPartAllows() {
        assertThat(RoomAuthorizers.allOf(RoomAuthorizer.allowAll(), RoomAuthorizer.allowAll()).authorize(REQUEST))
                .isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void allOfGrantsPublishOnlyWhenEveryPartDoes() {
        assertThat(RoomAuthorizers.allOf(RoomAuthorizer.allowAll(), request -> RoomDecision.allowed()).authorize(REQUEST))
                .isEqualTo(RoomDecision.allowed());
        assertThat(RoomAuthorizers.allOf(RoomAuthorizer.allowAll(), request -> RoomDecision.subscribeOnly())
                .authorize(REQUEST)).isEqualTo(RoomDecision.subscribeOnly());
        assertThat(RoomAuthorizers.allOf(request -> RoomDecision.subscribeOnly(), RoomAuthorizer.allowAll())
                .authorize(REQUEST)).isEqualTo(RoomDecision.subscribeOnly());
    }

    @Test
    void anyOfAnswersWithTheAccessOfTheFirstAllow() {
        assertThat(RoomAuthorizers.anyOf(request -> RoomDecision.subscribeOnly(), RoomAuthorizer.allowAll())
                .authorize(REQUEST)).isEqualTo(RoomDecision.subscribeOnly());
        assertThat(RoomAuthorizers.anyOf(counting(RoomDecision.forbidden("no")), RoomAuthorizer.allowAll())
                .authorize(REQUEST)).isEqualTo(RoomDecision.allowed());
    }

    @Test
    void allOfAnswersWithTheFirstDenialAndAsksNoFurther() {
        RoomAuthorizer all = RoomAuthorizers.allOf(RoomAuthorizer.allowAll(), counting(RoomDecision.forbidden("first")),
                counting(RoomDecision.forbidden("second")));

        assertThat(all.authorize(REQUEST)).isEqualTo(RoomDecision.forbidden("first"));
        assertThat(calls).hasValue(1);
    }

    @Test
    void anyOfAllowsOnTheFirstAllowAndAsksNoFurther() {
        RoomAuthorizer any = RoomAuthorizers.anyOf(counting(RoomDecision.forbidden("no")), counting(RoomDecision.allowed()),
                counting(RoomDecision.forbidden("never asked")));

        assertThat(any.authorize(REQUEST)).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(calls).hasValue(2);
    }

    @Test
    void anyOfPrefersARateLimitedDenialSoThrottlingStaysVisible() {
        RoomAuthorizer any = RoomAuthorizers.anyOf(counting(RoomDecision.forbidden("no role")), counting(THROTTLED));

        assertThat(any.authorize(REQUEST)).isEqualTo(
                new RoomDecision.Denied(ErrorCode.RATE_LIMITED, "no alternative allowed: no role; slow down"));
    }

    @Test
    void anyOfAnswersWithTheFirstDenialWhenNoneIsRateLimited() {
        RoomAuthorizer any = RoomAuthorizers.anyOf(counting(RoomDecision.forbidden("a")), counting(RoomDecision.forbidden("b")));

        assertThat(any.authorize(REQUEST)).isEqualTo(RoomDecision.forbidden("no alternative allowed: a; b"));
    }

    @Test
    void anyOfWithOnePartReturnsItsDenialUnchanged() {
        assertThat(RoomAuthorizers.anyOf(List.of(counting(THROTTLED))).authorize(REQUEST)).isEqualTo(THROTTLED);
    }

    @Test
    void compositionsOfNothingAreRefused() {
        assertThatThrownBy(RoomAuthorizers::allOf).hasMessage("authorizers: expected at least one");
        assertThatThrownBy(() -> RoomAuthorizers.anyOf(List.of())).hasMessage("authorizers: expected at least one");
    }

    @Test
    void adminsBypassTheRoomPasswordWhileOthersNeedItAndMustBeInTheAcl() {
        PasswordRoomAuthorizer passwords = new PasswordRoomAuthorizer(4, GuessLimit.of(5, Duration.ofMinutes(1)), new FakeClock());
        RoomName vault = RoomName.of("team:alice:vault");
        passwords.setPassword(vault, "s3cret");
        RoomAuthorizer policy = RoomAuthorizers.anyOf(
                RoomAcl.builder().allowWithRole("*", "admin").build(),
                RoomAuthorizers.allOf(RoomAcl.builder().allow("team:{sub}:*").build(), passwords));
        Identity admin = new Identity("root", Optional.empty(), Set.of("admin"), Map.of());
        Identity alice = Identity.of("alice");
        Identity bob = Identity.of("bob");

        assertThat(policy.authorize(new RoomAccessRequest(admin, vault, Optional.empty(), "10.0.0.1"))).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(policy.authorize(new RoomAccessRequest(alice, vault, Optional.of("s3cret"), "10.0.0.2"))).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(policy.authorize(new RoomAccessRequest(alice, vault, Optional.empty(), "10.0.0.2"))).isInstanceOf(RoomDecision.Denied.class);
        assertThat(policy.authorize(new RoomAccessRequest(bob, vault, Optional.of("s3cret"), "10.0.0.3"))).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void aCombinationMayBlockExactlyWhenOneOfItsPartsMay() {
        RoomAuthorizer acl = RoomAcl.builder().allow("*").build();
        RoomAuthorizer custom = request -> RoomDecision.allowed(); // says nothing: assumed to block
        assertThat(RoomAuthorizers.allOf(acl, RoomAuthorizer.allowAll()).mayBlock()).isFalse();
        assertThat(RoomAuthorizers.anyOf(acl, RoomAuthorizer.allowAll()).mayBlock()).isFalse();
        assertThat(RoomAuthorizers.allOf(acl, custom).mayBlock()).isTrue();
        assertThat(RoomAuthorizers.anyOf(custom, acl).mayBlock()).isTrue();
        assertThat(RoomAuthorizer.allowAll().mayBlock()).isFalse();
        assertThat(custom.mayBlock()).isTrue();
    }

    @Test
    void aCombinationMayBlockForARequestExactlyWhenOneOfItsPartsMayForIt() {
        PasswordRoomAuthorizer passwords = new PasswordRoomAuthorizer(4, GuessLimit.of(5, Duration.ofMinutes(1)), new FakeClock());
        RoomName vault = RoomName.of("vault");
        passwords.setPassword(vault, "s3cret");
        RoomAuthorizer policy = RoomAuthorizers.allOf(RoomAcl.builder().allow("*").build(), passwords);
        Identity alice = Identity.of("alice");

        assertThat(policy.mayBlock()).isTrue();
        assertThat(policy.mayBlock(new RoomAccessRequest(alice, vault, Optional.of("s3cret"), "10.0.0.1"))).isTrue();
        assertThat(policy.mayBlock(new RoomAccessRequest(alice, vault, Optional.empty(), "10.0.0.1"))).isFalse();
        assertThat(policy.mayBlock(new RoomAccessRequest(alice, RoomName.of("lobby"), Optional.of("x"), "10.0.0.1"))).isFalse();
        RoomAuthorizer custom = request -> RoomDecision.allowed();
        assertThat(RoomAuthorizers.anyOf(custom, passwords).mayBlock(new RoomAccessRequest(alice, RoomName.of("lobby"),
                Optional.empty(), "10.0.0.1"))).as("a part that says nothing blocks for every request").isTrue();
    }
}
