package archfixture.roomcast.transport.undertow.internal;

/** Uses Undertow, as transport-undertow may; the Jakarta adapter must not reach it. */
public class UndertowUser {
    io.undertow.Undertow server;
}
