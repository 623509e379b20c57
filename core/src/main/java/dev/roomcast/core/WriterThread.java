package dev.roomcast.core;

/**
 * Port: the one thread that writes a group of peers' send queues (in the Undertow transport, an
 * XNIO I/O thread and every connection on it). The hub hands a large room's broadcast to each such
 * thread once and lets that thread offer the frame to its own peers' queues, so a fan-out to N
 * members moves between threads once per writer thread instead of once per member: the cache-line
 * hand-off per member was the largest cost of fan-out once the queues were lock-free.
 *
 * <p>Tasks run on that thread in the order they were submitted, before the writes they cause, and
 * must never block or run user code: they only offer frames without waiting.
 */
public interface WriterThread {

    /**
     * Runs {@code task} on this thread after every task submitted before it. Returns false, without
     * running it, when the thread takes no more tasks (its server is stopping).
     */
    boolean execute(Runnable task);
}
