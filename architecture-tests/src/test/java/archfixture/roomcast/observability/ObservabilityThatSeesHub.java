package archfixture.roomcast.observability;

/** Breaks: observability depends on hub. */
public class ObservabilityThatSeesHub {
    archfixture.roomcast.hub.HubThatSeesAuth hub;
}
