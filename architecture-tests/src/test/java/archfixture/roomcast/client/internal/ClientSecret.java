package archfixture.roomcast.client.internal;

/** An internal class of the client, used from outside it by {@link archfixture.roomcast.testkit.KitThatSeesClientInternals}. */
public class ClientSecret {
}
