package dev.roomcast.examples.chat;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.InboundRate;
import java.util.Objects;
import java.util.Optional;

/**
 * The chat example's own settings, beside {@link dev.roomcast.core.RoomcastConfig}: the password of
 * the {@code vip} room, the inbound rate of clients whose token carries the role
 * {@value ChatInboundRateModule#PUBLISHER_ROLE}, and the development token minter behind
 * {@code POST /dev/token}.
 *
 * @param vipPassword     the password members must present to enter {@code vip}
 * @param publisherRate   the inbound rate of the {@code publisher} role ({@code ROOMCAST_PUBLISHER_RATE});
 *                        empty: publishers get the rate of everyone else
 * @param devTokenMinter  present only in development mode (no {@code ROOMCAST_TOKEN_SECRET}, so the run
 *                        signs with a random secret of its own): turns on {@code POST /dev/token}
 */
public record ChatSettings(String vipPassword, Optional<InboundRate> publisherRate, Optional<TokenMinter> devTokenMinter) {
    public ChatSettings {
        Objects.requireNonNull(vipPassword, "vipPassword");
        Objects.requireNonNull(publisherRate, "publisherRate");
        Objects.requireNonNull(devTokenMinter, "devTokenMinter");
    }

    /** Settings without the development token endpoint. */
    public ChatSettings(String vipPassword, Optional<InboundRate> publisherRate) {
        this(vipPassword, publisherRate, Optional.empty());
    }

    /** Settings with no rate of its own for the {@code publisher} role. */
    public ChatSettings(String vipPassword) {
        this(vipPassword, Optional.empty());
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "ChatSettings[vipPassword=<set>, publisherRate=" + publisherRate
                + ", devTokens=" + (devTokenMinter.isPresent() ? "on" : "off") + "]";
    }
}
