package archfixture.roomcast.transport.undertow;

/** Breaks: transport sees auth and observability; uses auth's internals. */
public class TransportThatSeesAuth {
    archfixture.roomcast.auth.AuthThatSeesHub auth;
    archfixture.roomcast.observability.ObservabilityThatSeesHub observability;
    archfixture.roomcast.auth.internal.AuthSecret authSecret;
}
