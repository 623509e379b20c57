package dev.roomcast.core;

import java.util.Map;
import java.util.Objects;

/**
 * Decides the {@link InboundRate} of each connection from its {@link Identity}, so a server-side
 * feed publisher need not be held to the rate meant for a browser. The transport asks once per
 * connection, at the upgrade after the token is verified, and keeps the answer for the connection's
 * life: no lookup per message, and a later change of the policy's inputs does not affect open
 * connections.
 *
 * <p>It may run on an I/O thread, so it must be quick and must never block (no database or network
 * lookup: decide from the identity's roles and claims). A policy that throws refuses the upgrade
 * with 500 {@link ErrorCode#INTERNAL}. {@link UniformInboundRateModule} binds {@link #uniform(RoomcastConfig)}.
 */
@FunctionalInterface
public interface InboundRatePolicy {

    /** The rate {@code identity}'s connection may send at; never null. */
    InboundRate rateFor(Identity identity);

    /** The same rate for every identity. */
    static InboundRatePolicy uniform(InboundRate rate) {
        Objects.requireNonNull(rate, "rate");
        return identity -> rate;
    }

    /** Every identity at {@link RoomcastConfig#inboundRatePerSecond()} and {@link RoomcastConfig#inboundBurst()}. */
    static InboundRatePolicy uniform(RoomcastConfig config) {
        return uniform(config.inboundRate());
    }

    /**
     * A rate per role: an identity holding one of the roles in {@code rolesToRate} gets that role's
     * rate, one holding several gets the most generous of them (see {@link InboundRate#exceeds}), and
     * one holding none (anonymous identities hold none) gets {@code fallback}.
     *
     * @throws IllegalArgumentException when a role name is blank
     */
    static InboundRatePolicy byRole(Map<String, InboundRate> rolesToRate, InboundRate fallback) {
        Map<String, InboundRate> rates = Map.copyOf(rolesToRate);
        Objects.requireNonNull(fallback, "fallback");
        for (String role : rates.keySet()) {
            if (role.isBlank()) {
                throw new IllegalArgumentException("inbound rate role: expected a non-blank role name but was '" + role + "'");
            }
        }
        return identity -> {
            InboundRate chosen = null;
            // Iterates the identity's roles (usually one or two), not the table.
            for (String role : identity.roles()) {
                InboundRate rate = rates.get(role);
                if (rate != null && (chosen == null || rate.exceeds(chosen))) {
                    chosen = rate;
                }
            }
            return chosen == null ? fallback : chosen;
        };
    }
}
