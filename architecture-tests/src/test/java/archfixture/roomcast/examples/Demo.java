package archfixture.roomcast.examples;

/** Stands for an example service, which nothing may depend on. */
public class Demo {
}
