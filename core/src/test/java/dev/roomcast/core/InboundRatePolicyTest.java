package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InboundRatePolicyTest {
    private static final InboundRate BROWSER = InboundRate.of(100, 200);
    private static final InboundRate PUBLISHER = InboundRate.of(5_000, 10_000);
    private static final InboundRate OPERATOR = InboundRate.of(1_000, 2_000);

    private static Identity withRoles(String... roles) {
        return new Identity("s", Optional.empty(), Set.of(roles), Map.of());
    }

    @Test
    void theUniformPolicyGivesEveryoneTheConfiguredRate() {
        InboundRatePolicy policy = InboundRatePolicy.uniform(
                RoomcastConfig.builder().inboundRatePerSecond(40).inboundBurst(80).build());
        assertThat(policy.rateFor(Identity.of("alice"))).isEqualTo(InboundRate.of(40, 80));
        assertThat(policy.rateFor(withRoles("publisher"))).isEqualTo(InboundRate.of(40, 80));
        assertThat(policy.rateFor(Identity.anonymous(ConnectionId.of("c1")))).isEqualTo(InboundRate.of(40, 80));
    }

    @Test
    void anIdentityWithAListedRoleGetsThatRolesRate() {
        InboundRatePolicy policy = InboundRatePolicy.byRole(Map.of("publisher", PUBLISHER), BROWSER);
        assertThat(policy.rateFor(withRoles("publisher"))).isEqualTo(PUBLISHER);
        assertThat(policy.rateFor(withRoles("reader", "publisher"))).isEqualTo(PUBLISHER);
    }

    @Test
    void anIdentityWithoutAListedRoleGetsTheFallback() {
        InboundRatePolicy policy = InboundRatePolicy.byRole(Map.of("publisher", PUBLISHER), BROWSER);
        assertThat(policy.rateFor(Identity.of("alice"))).isEqualTo(BROWSER);
        assertThat(policy.rateFor(withRoles("Publisher", "reader"))).isEqualTo(BROWSER); // roles match exactly
        assertThat(policy.rateFor(Identity.anonymous(ConnectionId.of("c1")))).isEqualTo(BROWSER);
    }

    @Test
    void anIdentityWithSeveralListedRolesGetsTheMostGenerousWhateverTheOrder() {
        InboundRatePolicy policy = InboundRatePolicy.byRole(Map.of("publisher", PUBLISHER, "operator", OPERATOR), BROWSER);
        assertThat(policy.rateFor(withRoles("operator", "publisher"))).isEqualTo(PUBLISHER);
        assertThat(policy.rateFor(withRoles("publisher", "operator"))).isEqualTo(PUBLISHER);
        // a listed role may also be slower than the fallback: a role names a rate, not a privilege
        InboundRate throttled = InboundRate.of(1, 1);
        assertThat(InboundRatePolicy.byRole(Map.of("bot", throttled), BROWSER).rateFor(withRoles("bot"))).isEqualTo(throttled);
    }

    @Test
    void theRoleTableIsCopiedSoLaterChangesDoNotLeakIn() {
        Map<String, InboundRate> table = new java.util.HashMap<>(Map.of("publisher", PUBLISHER));
        InboundRatePolicy policy = InboundRatePolicy.byRole(table, BROWSER);
        table.put("publisher", OPERATOR);
        assertThat(policy.rateFor(withRoles("publisher"))).isEqualTo(PUBLISHER);
    }

    @Test
    void blankRolesAndMissingRatesAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRatePolicy.byRole(Map.of(" ", PUBLISHER), BROWSER))
                .withMessage("inbound rate role: expected a non-blank role name but was ' '");
        assertThatNullPointerException().isThrownBy(() -> InboundRatePolicy.byRole(Map.of("publisher", PUBLISHER), null));
        assertThatNullPointerException().isThrownBy(() -> InboundRatePolicy.uniform((InboundRate) null));
    }
}
