package archfixture.roomcast.auth;

/** Breaks: auth sees hub; uses hub's internals. */
public class AuthThatSeesHub {
    archfixture.roomcast.hub.HubThatSeesAuth hub;
    archfixture.roomcast.hub.internal.HubSecret hubSecret;
}
