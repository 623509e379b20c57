package archfixture.roomcast.core.internal;

/** An implementation detail another module must not use. */
public class CoreSecret {
}
