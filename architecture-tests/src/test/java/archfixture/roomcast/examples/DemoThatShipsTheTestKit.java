package archfixture.roomcast.examples;

/** Breaks: main code of a service depends on the test kit. */
public class DemoThatShipsTheTestKit {
    archfixture.roomcast.testkit.KitThatSeesClientInternals kit;
}
