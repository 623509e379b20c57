package archfixture.roomcast.client;

/** Breaks: the client reaches the hub, auth, the transport and Undertow itself. */
public class ClientThatSeesTheServer {
    archfixture.roomcast.hub.HubThatSeesAuth hub;
    archfixture.roomcast.auth.AuthThatSeesHub auth;
    archfixture.roomcast.transport.undertow.TransportThatSeesAuth transport;
    io.undertow.Undertow undertow;
}
