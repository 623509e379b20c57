package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.Identity;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoomAclTest {
    private static final Identity ALICE = Identity.of("alice");
    private static final Identity ADMIN = new Identity("root", Optional.empty(), Set.of("admin"), Map.of());

    private static RoomDecision decide(RoomAcl acl, Identity identity, String room) {
        return acl.authorize(new RoomAccessRequest(identity, RoomName.of(room), Optional.empty(), "127.0.0.1"));
    }

    @Test
    void subjectPlaceholderLetsAliceIntoHerTeamRoomsOnly() {
        RoomAcl acl = RoomAcl.builder().allow("team:{sub}:*").build();

        assertThat(decide(acl, ALICE, "team:alice:general")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "team:bob:x")).isEqualTo(RoomDecision.forbidden("no ACL rule matches the room"));
    }

    @Test
    void ruleRequiringARoleAdmitsHoldersAndRefusesOthers() {
        RoomAcl acl = RoomAcl.builder().allowWithRole("admin:*", "admin").allow("*").build();

        assertThat(decide(acl, ADMIN, "admin:ops")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "admin:ops")).isEqualTo(RoomDecision.forbidden("rule 'admin:*' requires role 'admin'"));
        assertThat(decide(acl, ALICE, "lobby")).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void firstMatchingRuleDecidesEvenWhenALaterOneWouldAllow() {
        RoomAcl acl = RoomAcl.builder().deny("secret:*").allow("*").build();

        assertThat(decide(acl, ALICE, "secret:plans")).isEqualTo(RoomDecision.forbidden("denied by rule 'secret:*'"));
        assertThat(decide(acl, ALICE, "public")).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void aclWithoutRulesDeniesEveryRoom() {
        assertThat(decide(RoomAcl.builder().build(), ADMIN, "lobby")).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void wildcardMatchesAnyRunIncludingNoneAndColons() {
        RoomAcl acl = RoomAcl.builder().allow("lobby*").allow("a*b*c").build();

        assertThat(decide(acl, ALICE, "lobby")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "lobby:eu:1")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "axxbyyc")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "axxbyycd")).isInstanceOf(RoomDecision.Denied.class);
        assertThat(decide(acl, ALICE, "lob")).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void patternWithoutWildcardMatchesOnlyTheExactName() {
        RoomAcl acl = RoomAcl.builder().allow("lobby").build();

        assertThat(decide(acl, ALICE, "lobby")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, ALICE, "lobby2")).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void stringClaimPlaceholderIsSubstitutedAndAbsentOrNonStringClaimsMatchNothing() {
        RoomAcl acl = RoomAcl.builder().allow("org:{tenant}:*").build();
        Identity acme = new Identity("u1", Optional.empty(), Set.of(), Map.of("tenant", "acme"));
        Identity numeric = new Identity("u2", Optional.empty(), Set.of(), Map.of("tenant", 42L));

        assertThat(decide(acl, acme, "org:acme:sales")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(decide(acl, acme, "org:globex:sales")).isInstanceOf(RoomDecision.Denied.class);
        assertThat(decide(acl, numeric, "org:42:sales")).isInstanceOf(RoomDecision.Denied.class);
        assertThat(decide(acl, ALICE, "org:acme:sales")).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void substitutedValuesAreLiteralSoASubjectCannotActAsAWildcardOrSpanSegments() {
        RoomAcl acl = RoomAcl.builder().allow("team:{sub}:*").build();

        assertThat(decide(acl, Identity.of("*"), "team:bob:x")).isInstanceOf(RoomDecision.Denied.class);
        assertThat(decide(acl, Identity.of("alice:general"), "team:alice:general:x")).isInstanceOf(RoomDecision.Denied.class);
        assertThat(decide(acl, Identity.of("a.b-c_d"), "team:a.b-c_d:x")).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void malformedPatternsAreRefusedWhenTheRuleIsAdded() {
        assertThatThrownBy(() -> RoomAcl.builder().allow("team:{sub"))
                .hasMessage("room pattern 'team:{sub': expected '}' after '{' at index 5");
        assertThatThrownBy(() -> RoomAcl.builder().allow("team:{1x}"))
                .hasMessage("room pattern 'team:{1x}': expected a claim name in {…} but was '1x'");
        assertThatThrownBy(() -> RoomAcl.builder().allow("has space"))
                .hasMessageContaining("expected letters, digits");
        assertThatThrownBy(() -> RoomAcl.builder().allow("")).hasMessage("room pattern: expected a non-empty pattern");
        assertThatThrownBy(() -> RoomAcl.builder().allowWithRole("admin:*", " ")).hasMessage("role: expected a non-blank role name");
    }

    @Test
    void anAclDeclaresThatItNeverBlocks() {
        assertThat(RoomAcl.builder().allow("*").build().mayBlock()).isFalse();
    }

    @Test
    void allowSubscribeLetsEveryoneInToReceiveButNotToPublish() {
        RoomAcl acl = RoomAcl.builder().allowSubscribe("prices:*").allow("*").build();

        assertThat(decide(acl, ADMIN, "prices:eu")).isEqualTo(RoomDecision.subscribeOnly());
        assertThat(decide(acl, ALICE, "prices:eu")).isEqualTo(RoomDecision.subscribeOnly());
        assertThat(decide(acl, ALICE, "lobby")).isEqualTo(RoomDecision.allowed());
    }

    @Test
    void allowPublishWithRoleLetsHoldersPublishAndEveryoneElseOnlyReceive() {
        RoomAcl acl = RoomAcl.builder().allowPublishWithRole("news", "admin").build();

        assertThat(decide(acl, ADMIN, "news")).isEqualTo(RoomDecision.allowed());
        assertThat(decide(acl, ALICE, "news")).isEqualTo(RoomDecision.subscribeOnly());
        assertThat(decide(acl, ALICE, "other")).isInstanceOf(RoomDecision.Denied.class);
    }

    @Test
    void aPublishRoleMustNotBeBlank() {
        assertThatThrownBy(() -> RoomAcl.builder().allowPublishWithRole("news", " "))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
