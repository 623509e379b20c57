package dev.roomcast.examples.chat;

import dev.roomcast.core.InboundRate;
import java.util.Objects;
import java.util.Optional;

/**
 * The chat example's own settings, beside {@link dev.roomcast.core.RoomcastConfig}: the password of
 * the {@code vip} room, and the inbound rate of clients whose token carries the role
 * {@value ChatInboundRateModule#PUBLISHER_ROLE}.
 *
 * @param vipPassword   the password members must present to enter {@code vip}
 * @param publisherRate the inbound rate of the {@code publisher} role ({@code ROOMCAST_PUBLISHER_RATE});
 *                      empty: publishers get the rate of everyone else
 */
public record ChatSettings(String vipPassword, Optional<InboundRate> publisherRate) {
    public ChatSettings {
        Objects.requireNonNull(vipPassword, "vipPassword");
        Objects.requireNonNull(publisherRate, "publisherRate");
    }

    /** Settings with no rate of its own for the {@code publisher} role. */
    public ChatSettings(String vipPassword) {
        this(vipPassword, Optional.empty());
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "ChatSettings[vipPassword=<set>, publisherRate=" + publisherRate + "]";
    }
}
