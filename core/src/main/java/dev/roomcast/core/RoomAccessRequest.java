package dev.roomcast.core;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link RoomAuthorizer} decides on: who asks to enter which room, with which password, from
 * which address (for throttling guesses).
 *
 * @param identity      the connection's identity
 * @param room          the room asked for
 * @param password      the room password from the {@code X-Roomcast-Room-Password} header or the join payload
 * @param clientAddress the client's IP address as text
 */
public record RoomAccessRequest(Identity identity, RoomName room, Optional<String> password, String clientAddress) {
    public RoomAccessRequest {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(clientAddress, "clientAddress");
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "RoomAccessRequest[subject=" + identity.subject() + ", room=" + room + ", password="
                + (password.isPresent() ? "<set>" : "<none>") + ", clientAddress=" + clientAddress + "]";
    }
}
