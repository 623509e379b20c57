package dev.roomcast.examples.chat;

import java.util.Objects;

/**
 * The chat example's own settings, beside {@link dev.roomcast.core.RoomcastConfig}: the password of
 * the {@code vip} room.
 *
 * @param vipPassword the password members must present to enter {@code vip}
 */
public record ChatSettings(String vipPassword) {
    public ChatSettings {
        Objects.requireNonNull(vipPassword, "vipPassword");
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "ChatSettings[vipPassword=<set>]";
    }
}
