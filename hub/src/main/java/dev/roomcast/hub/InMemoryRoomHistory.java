package dev.roomcast.hub;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.HistoryRead;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.StreamPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link RoomHistory} for a single node, in memory: each history room keeps its last messages (at
 * most its {@code maxEntries}, none older than its {@code maxAge}) in this process. The epoch is
 * drawn once per instance, so a client's position from before a restart reads as not recovered.
 * Appending stamps the frame, stores it and hands it to the subscriber under the room's lock, so the
 * subscriber receives each room's messages in offset order; nothing waits. Thread-safe.
 */
public final class InMemoryRoomHistory implements RoomHistory {
    private final RoomHistoryConfig config;
    private final Clock clock;
    private final String epoch;
    private final Map<RoomName, RoomLog> logs = new ConcurrentHashMap<>();
    private volatile Subscriber subscriber;

    /** A history keeping what {@code config} lists, ageing messages by {@code clock}. */
    public InMemoryRoomHistory(RoomHistoryConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        this.epoch = HexFormat.of().formatHex(bytes);
    }

    /** One room's messages and counter; everything under {@link #lock}. */
    private static final class RoomLog {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long offset;
    }

    private record Entry(long offset, Instant at, Frame frame) {
    }

    @Override
    public boolean keeps(RoomName room) {
        return config.rooms().containsKey(room);
    }

    /** Nothing is appended before this (appending needs the subscriber): the positions are those of rooms read so far, at 0. */
    @Override
    public Map<RoomName, StreamPosition> subscribe(Subscriber subscriber) {
        if (this.subscriber != null) {
            throw new IllegalStateException("subscriber: expected one subscriber but one is already set");
        }
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        Map<RoomName, StreamPosition> positions = new HashMap<>();
        logs.forEach((room, log) -> {
            log.lock.lock();
            try {
                positions.put(room, StreamPosition.of(log.offset, epoch));
            } finally {
                log.lock.unlock();
            }
        });
        return positions;
    }

    @Override
    public CompletionStage<StreamPosition> append(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
        RoomHistoryConfig.Retention retention = config.rooms().get(room);
        Subscriber local = subscriber;
        if (retention == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("room " + room.value() + " keeps no history"));
        }
        if (local == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("room history: expected a subscriber before the first append"));
        }
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        log.lock.lock();
        try {
            long offset = ++log.offset;
            Frame stamped = stamp(frame, offset);
            log.entries.addLast(new Entry(offset, clock.now(), stamped));
            trim(log, retention);
            StreamPosition position = StreamPosition.of(offset, epoch);
            // Under the lock: the subscriber sees this room's messages in offset order.
            local.deliver(room, position, stamped, excluded);
            return CompletableFuture.completedFuture(position);
        } finally {
            log.lock.unlock();
        }
    }

    @Override
    public CompletionStage<HistoryRead> read(RoomName room, Optional<StreamPosition> since, int limit) {
        RoomHistoryConfig.Retention retention = config.rooms().get(room);
        if (retention == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("room " + room.value() + " keeps no history"));
        }
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        log.lock.lock();
        try {
            trim(log, retention);
            StreamPosition latest = StreamPosition.of(log.offset, epoch);
            if (since.isEmpty() || !since.get().sameEpoch(latest) || since.get().offset() > log.offset) {
                return CompletableFuture.completedFuture(HistoryRead.notRecovered(latest));
            }
            long want = log.offset - since.get().offset();
            long oldest = log.entries.isEmpty() ? log.offset + 1 : log.entries.peekFirst().offset();
            if (want > limit || want > 0 && oldest > since.get().offset() + 1) {
                return CompletableFuture.completedFuture(HistoryRead.notRecovered(latest));
            }
            List<Frame> missed = new ArrayList<>((int) want);
            for (Entry e : log.entries) {
                if (e.offset() > since.get().offset()) {
                    missed.add(e.frame());
                }
            }
            return CompletableFuture.completedFuture(new HistoryRead(latest, true, missed));
        } finally {
            log.lock.unlock();
        }
    }

    /** Drops the oldest entries beyond the size or older than the age; called with the room's lock held. */
    private void trim(RoomLog log, RoomHistoryConfig.Retention retention) {
        Instant oldestKept = clock.now().minus(retention.maxAge());
        while (!log.entries.isEmpty() && (log.entries.size() > retention.maxEntries()
                || log.entries.peekFirst().at().isBefore(oldestKept))) {
            log.entries.removeFirst();
        }
    }

    /** The frame (a JSON object) with {@code ,"offset":N,"epoch":"E"} before its closing brace. */
    private Frame stamp(Frame frame, long offset) {
        byte[] tail = (",\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"}").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer original = frame.buffer();
        if (original.remaining() < 2 || original.get(original.limit() - 1) != '}') {
            throw new IllegalArgumentException("frame: expected a JSON object");
        }
        ByteBuffer out = ByteBuffer.allocate(original.remaining() - 1 + tail.length);
        out.put(original.limit(original.limit() - 1)).put(tail);
        return Frame.ofOwnedUtf8(out.array());
    }

    /** Nothing to release: the histories live and die with this process. */
    @Override
    public void close() {
    }
}
