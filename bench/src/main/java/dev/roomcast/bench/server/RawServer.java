package dev.roomcast.bench.server;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.IoUtils;

/**
 * The transport floor: a broadcast server on undertow-core alone, nothing of Roomcast. Clients join
 * the room named by {@code ?room=} at the upgrade (a set of channels per room) and every text message
 * a member sends is broadcast, unparsed, to every member of its room, the sender included (as
 * gorilla/websocket's chat hub does). A {@code {"type":"joined"}} frame is sent once the channel is in
 * its room, so a client knows from when on it receives broadcasts.
 *
 * <ul>
 *   <li>{@code raw}: {@code WebSockets.sendText} per recipient, one frame and one write per delivery;</li>
 *   <li>{@code raw-coalescing}: the message is encoded once, offered to a per-channel queue, and a task
 *       on the channel's I/O thread drains the queue into one newline-joined frame per write.</li>
 * </ul>
 * Bearer tokens are checked (HS256 signature only) on the I/O thread before the upgrade.
 */
final class RawServer implements BenchServer {
    private static final byte NEWLINE = '\n';
    private static final int MAX_BATCH_BYTES = 64 * 1024;
    private static final ByteBuffer JOINED = ByteBuffer.wrap("{\"type\":\"joined\"}".getBytes(StandardCharsets.UTF_8));

    private final boolean coalescing;
    private final Hs256Signature tokens;
    private final ConcurrentHashMap<String, Set<WebSocketChannel>> rooms = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Undertow undertow;

    RawServer(String host, int port, boolean coalescing, byte[] secret) {
        this.coalescing = coalescing;
        this.tokens = new Hs256Signature(secret);
        WebSocketProtocolHandshakeHandler upgrade = new WebSocketProtocolHandshakeHandler(
                List.of(new Hybi13Handshake(Set.of("roomcast.batch.v1", "roomcast.v1"), false)), this::onConnect);
        HttpHandler root = exchange -> {
            if (!"/ws".equals(exchange.getRequestPath())) {
                exchange.setStatusCode(StatusCodes.NOT_FOUND).endExchange();
            } else if (!authorized(exchange)) {
                exchange.setStatusCode(StatusCodes.UNAUTHORIZED).endExchange();
            } else {
                upgrade.handleRequest(exchange);
            }
        };
        this.undertow = Undertow.builder().addHttpListener(port, host).setHandler(root).setWorkerThreads(4).build();
        undertow.start();
    }

    private boolean authorized(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && tokens.verify(header.substring(7).trim());
    }

    private void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        open.incrementAndGet();
        List<String> roomParam = exchange.getRequestParameters().get("room");
        Set<WebSocketChannel> members = roomParam == null || roomParam.isEmpty() ? null
                : rooms.computeIfAbsent(roomParam.get(0), r -> ConcurrentHashMap.newKeySet());
        Outbox outbox = coalescing ? new Outbox(channel) : null;
        channel.addCloseTask(ch -> {
            open.decrementAndGet();
            if (members != null) {
                members.remove(ch);
            }
        });
        if (members != null) {
            members.add(channel);
            if (outbox != null) {
                channel.setAttribute(Outbox.KEY, outbox);
            }
            WebSockets.sendText(JOINED.duplicate(), channel, null);
        }
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                if (members == null) {
                    return;
                }
                if (coalescing) {
                    byte[] bytes = message.getData().getBytes(StandardCharsets.UTF_8);
                    for (WebSocketChannel member : members) {
                        Outbox box = (Outbox) member.getAttribute(Outbox.KEY);
                        if (box != null) {
                            box.offer(bytes);
                        }
                    }
                } else {
                    String text = message.getData();
                    for (WebSocketChannel member : members) {
                        WebSockets.sendText(text, member, null);
                    }
                }
            }
        });
        channel.resumeReceives();
    }

    /** One channel's unbounded queue and its single drain task on the channel's I/O thread. */
    private static final class Outbox implements Runnable, WebSocketCallback<Void> {
        static final String KEY = "bench.outbox";
        private final WebSocketChannel channel;
        private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        /** I/O thread only. */
        private boolean writing;
        private final List<byte[]> batch = new ArrayList<>();

        Outbox(WebSocketChannel channel) {
            this.channel = channel;
        }

        void offer(byte[] message) {
            queue.offer(message);
            if (scheduled.compareAndSet(false, true)) {
                channel.getIoThread().execute(this);
            }
        }

        @Override
        public void run() {
            if (writing || !channel.isOpen()) {
                return;
            }
            int total = -1;
            byte[] next;
            while (total < MAX_BATCH_BYTES && (next = queue.poll()) != null) {
                batch.add(next);
                total += next.length + 1;
            }
            if (batch.isEmpty()) {
                scheduled.set(false);
                // An offer between the last poll and the flag reset did not schedule us: look again.
                if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
                    channel.getIoThread().execute(this);
                }
                return;
            }
            ByteBuffer joined = ByteBuffer.allocate(total);
            for (int i = 0; i < batch.size(); i++) {
                if (i > 0) {
                    joined.put(NEWLINE);
                }
                joined.put(batch.get(i));
            }
            batch.clear();
            writing = true;
            WebSockets.sendText(joined.flip(), channel, this, null);
        }

        @Override
        public void complete(WebSocketChannel ch, Void context) {
            writing = false;
            run();
        }

        @Override
        public void onError(WebSocketChannel ch, Void context, Throwable throwable) {
            writing = false;
            IoUtils.safeClose(ch);
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public int connections() {
        return open.get();
    }

    @Override
    public void stop() {
        undertow.stop();
    }
}
