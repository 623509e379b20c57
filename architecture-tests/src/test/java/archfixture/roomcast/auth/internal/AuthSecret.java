package archfixture.roomcast.auth.internal;

/** An implementation detail another module must not use. */
public class AuthSecret {
}
