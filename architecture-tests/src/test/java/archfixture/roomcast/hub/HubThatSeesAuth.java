package archfixture.roomcast.hub;

/** Breaks: hub sees auth; hub and core form a cycle; uses another module's internals. */
public class HubThatSeesAuth {
    archfixture.roomcast.auth.AuthThatSeesHub auth;
    archfixture.roomcast.core.CoreThatReachesOut core;
    archfixture.roomcast.transport.undertow.internal.TransportSecret transportSecret;
    archfixture.roomcast.core.internal.CoreSecret coreSecret;
    archfixture.roomcast.observability.internal.ObservabilitySecret observabilitySecret;
}
