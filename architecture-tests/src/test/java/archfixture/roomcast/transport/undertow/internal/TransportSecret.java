package archfixture.roomcast.transport.undertow.internal;

/** An implementation detail another module must not use. */
public class TransportSecret {
}
