package archfixture.roomcast.hub.internal;

/** An implementation detail another module must not use. */
public class HubSecret {
}
