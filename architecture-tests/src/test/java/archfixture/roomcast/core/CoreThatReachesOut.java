package archfixture.roomcast.core;

/** Breaks: core depends on hub and on examples; JWT, Undertow, metrics and Lettuce outside their modules. */
public class CoreThatReachesOut {
    archfixture.roomcast.hub.HubThatSeesAuth hub;
    archfixture.roomcast.examples.Demo demo;
    com.nimbusds.jwt.SignedJWT jwt;
    io.undertow.Undertow undertow;
    io.micrometer.core.instrument.Counter counter;
    io.opentelemetry.api.trace.Span span;
    io.lettuce.core.RedisClient redis;
}
