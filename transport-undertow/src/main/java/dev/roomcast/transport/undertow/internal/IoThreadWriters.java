package dev.roomcast.transport.undertow.internal;

import java.util.concurrent.ConcurrentHashMap;
import org.xnio.XnioIoThread;

/**
 * A server's {@link IoThreadWriter}s, one per XNIO I/O thread, each created when the first
 * connection on its thread attaches. Owned by the server (no static registry), so two servers in
 * one JVM never share writers.
 */
public final class IoThreadWriters {
    private final ConcurrentHashMap<XnioIoThread, IoThreadWriter> writers = new ConcurrentHashMap<>();

    IoThreadWriter forThread(XnioIoThread io) {
        IoThreadWriter writer = writers.get(io);
        return writer != null ? writer : writers.computeIfAbsent(io, IoThreadWriter::new);
    }
}
