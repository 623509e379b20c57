package dev.roomcast.bench.server;

/** A server under test, running inside the server process started by {@link ServerMain}. */
interface BenchServer {
    /** The bound port. */
    int port();

    /** Open WebSocket connections now. */
    int connections();

    /** Server-side counters as a JSON object (e.g. what broadcasts did at members' queues), or {@code {}}. */
    default String counters() {
        return "{}";
    }

    /** Stops serving; idempotent. */
    void stop();
}
