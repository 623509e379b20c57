package dev.roomcast.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The explicit table from event type to handler: applications register each type with
 * {@code router.on("move", Move.class, handler)}; nothing is discovered by reflection. The built-in
 * types ({@code join}, {@code leave}, {@code publish}, {@code ping}) are handled by the connection
 * and cannot be registered. Immutable once built; thread-safe.
 */
public final class EventRouter {

    /** Event types the connection handles itself. */
    public static final Set<String> BUILT_IN_TYPES = Set.of("join", "leave", "publish", "ping");

    private final Map<String, Route<?>> routes;

    private EventRouter(Map<String, Route<?>> routes) {
        this.routes = Map.copyOf(routes);
    }

    /** A builder with no routes. */
    public static Builder builder() {
        return new Builder();
    }

    /** A router with no application routes. */
    public static EventRouter empty() {
        return new EventRouter(Map.of());
    }

    /** The route for {@code type}, if registered. */
    public Optional<Route<?>> route(String type) {
        return Optional.ofNullable(routes.get(type));
    }

    /** The registered types. */
    public Set<String> types() {
        return routes.keySet();
    }

    /**
     * One registered type: its payload class and handler.
     *
     * @param type        the event type
     * @param payloadType the class the payload binds to
     * @param handler     the handler
     */
    public record Route<T>(String type, Class<T> payloadType, EventHandler<T> handler) {
        public Route {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(payloadType, "payloadType");
            Objects.requireNonNull(handler, "handler");
        }

        /** Binds the payload with {@code codec} and calls the handler. */
        public void dispatch(EventContext context, EnvelopeCodec codec) throws Exception {
            T payload = codec.readPayload(context.envelope().payload(), payloadType);
            handler.handle(context, payload);
        }
    }

    /** Collects routes. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Route<?>> routes = new LinkedHashMap<>();

        private Builder() {
        }

        /** Registers {@code handler} for {@code type}; a type may be registered once. */
        public <T> Builder on(String type, Class<T> payloadType, EventHandler<T> handler) {
            Objects.requireNonNull(type, "type");
            if (type.isEmpty() || type.length() > EnvelopeCodec.MAX_TYPE_LENGTH) {
                throw new IllegalArgumentException("type: expected 1.." + EnvelopeCodec.MAX_TYPE_LENGTH
                        + " characters but was " + type.length());
            }
            if (BUILT_IN_TYPES.contains(type)) {
                throw new IllegalArgumentException("type: expected an application type but '" + type
                        + "' is built in (" + BUILT_IN_TYPES + ")");
            }
            if (routes.containsKey(type)) {
                throw new IllegalArgumentException("type: expected each type once but '" + type + "' is already registered");
            }
            routes.put(type, new Route<>(type, payloadType, handler));
            return this;
        }

        /** Builds the immutable router. */
        public EventRouter build() {
            return new EventRouter(routes);
        }
    }
}
