package archfixture.roomcast.transport.undertow.jakarta;

/** Breaks: the Jakarta adapter reaches Undertow through a class of its own module. */
public class JakartaThatReachesUndertow {
    archfixture.roomcast.transport.undertow.internal.UndertowUser viaModule;
}
