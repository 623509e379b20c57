package dev.roomcast.client;

import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomcastException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The client's explicit table from server event type to handler, in the style of the server's
 * {@link EventRouter}: {@code router.on("message", Chat.class, handler)}; nothing is found by
 * reflection. Any type may be registered, built-in ones ({@code joined}, {@code message},
 * {@code presence}, {@code error}, {@code shutdown}, ...) included. An event with no route, or whose
 * payload does not bind to the registered class, goes to the {@link Builder#otherwise} handler
 * (by default ignored). Immutable once built; thread-safe.
 */
public final class ClientRouter {

    private final Map<String, Route<?>> routes;
    private final Consumer<Envelope> otherwise;

    private ClientRouter(Map<String, Route<?>> routes, Consumer<Envelope> otherwise) {
        this.routes = Map.copyOf(routes);
        this.otherwise = otherwise;
    }

    /** A builder with no routes. */
    public static Builder builder() {
        return new Builder();
    }

    /** A router that ignores every event. */
    public static ClientRouter empty() {
        return builder().build();
    }

    /** The registered types. */
    public Set<String> types() {
        return routes.keySet();
    }

    /**
     * Hands {@code envelope} to its route, binding the payload with {@code codec}, or to the
     * {@code otherwise} handler. A handler's exception propagates to the caller.
     */
    public void dispatch(Envelope envelope, EnvelopeCodec codec) throws Exception {
        Route<?> route = routes.get(envelope.type());
        if (route == null) {
            otherwise.accept(envelope);
            return;
        }
        if (!route.dispatch(envelope, codec)) {
            otherwise.accept(envelope);
        }
    }

    /**
     * One registered type: its payload class and handler.
     *
     * @param type        the event type
     * @param payloadType the class the payload binds to ({@code Void} for none, {@code JsonNode} for the tree)
     * @param handler     the handler
     */
    public record Route<T>(String type, Class<T> payloadType, ClientEventHandler<T> handler) {
        public Route {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(payloadType, "payloadType");
            Objects.requireNonNull(handler, "handler");
        }

        /** Calls the handler; false when the payload did not bind, and the handler was not called. */
        boolean dispatch(Envelope envelope, EnvelopeCodec codec) throws Exception {
            T payload;
            try {
                payload = codec.readPayload(envelope.payload(), payloadType);
            } catch (RoomcastException e) {
                return false;
            }
            handler.handle(envelope, payload);
            return true;
        }
    }

    /** Collects routes. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Route<?>> routes = new LinkedHashMap<>();
        private Consumer<Envelope> otherwise = envelope -> { };

        private Builder() {
        }

        /** Registers {@code handler} for {@code type}; a type may be registered once. */
        public <T> Builder on(String type, Class<T> payloadType, ClientEventHandler<T> handler) {
            Objects.requireNonNull(type, "type");
            if (type.isEmpty() || type.length() > EnvelopeCodec.MAX_TYPE_LENGTH) {
                throw new IllegalArgumentException("type: expected 1.." + EnvelopeCodec.MAX_TYPE_LENGTH
                        + " characters but was " + type.length());
            }
            if (routes.containsKey(type)) {
                throw new IllegalArgumentException("type: expected each type once but '" + type + "' is already registered");
            }
            routes.put(type, new Route<>(type, payloadType, handler));
            return this;
        }

        /** Receives every event with no route, or whose payload does not bind to its route's class. Default: ignore. */
        public Builder otherwise(Consumer<Envelope> handler) {
            this.otherwise = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Builds the immutable router. */
        public ClientRouter build() {
            return new ClientRouter(routes, otherwise);
        }
    }
}
