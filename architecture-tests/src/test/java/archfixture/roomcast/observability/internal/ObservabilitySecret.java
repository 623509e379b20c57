package archfixture.roomcast.observability.internal;

/** An implementation detail another module must not use. */
public class ObservabilitySecret {
}
