package dev.roomcast.bench.server;

/** A server under test, running inside the server process started by {@link ServerMain}. */
interface BenchServer {
    /** The bound port. */
    int port();

    /** Open WebSocket connections now. */
    int connections();

    /** Stops serving; idempotent. */
    void stop();
}
