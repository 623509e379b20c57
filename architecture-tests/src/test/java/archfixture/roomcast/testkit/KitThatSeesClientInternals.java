package archfixture.roomcast.testkit;

/** Stands for the test kit; breaks: it uses the client's internals. */
public class KitThatSeesClientInternals {
    archfixture.roomcast.client.internal.ClientSecret secret;
}
