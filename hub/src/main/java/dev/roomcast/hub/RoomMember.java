package dev.roomcast.hub;

import dev.roomcast.core.ConnectionId;
import java.util.Objects;

/**
 * One member of a room as presence shows it: the identity's subject and the connection. Two tabs of
 * one user are two members with the same subject.
 *
 * @param subject      the identity subject
 * @param connectionId the connection
 */
public record RoomMember(String subject, ConnectionId connectionId) {
    public RoomMember {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(connectionId, "connectionId");
    }
}
