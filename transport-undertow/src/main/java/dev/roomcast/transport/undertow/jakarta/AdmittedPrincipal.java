package dev.roomcast.transport.undertow.jakarta;

import java.security.Principal;

/**
 * The user principal of an upgrade request the {@link UpgradeFilter} admitted: the verified subject,
 * carrying the connection whose slot and rooms are already reserved. The principal is the one thing
 * the servlet request hands to the WebSocket session portably ({@code HandshakeRequest#getUserPrincipal},
 * {@code Session#getUserPrincipal}), so it is how the endpoint finds its connection.
 */
record AdmittedPrincipal(JakartaConnection connection) implements Principal {
    @Override
    public String getName() {
        return connection.identity().subject();
    }

    @Override
    public String toString() {
        return "AdmittedPrincipal[" + connection.id() + "]";
    }
}
