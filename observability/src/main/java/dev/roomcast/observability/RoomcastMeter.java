package dev.roomcast.observability;

import java.util.List;
import java.util.Objects;

/**
 * Every meter Roomcast publishes, with its labels and meaning: the one table that
 * {@link MetricsListener} and {@link HubGauges} register from and that the operators' guide lists
 * (a test keeps the two equal). Label values are bounded: event types outside the router become
 * {@code other}, close codes outside RFC 6455's registry become {@code other}, and rooms appear only
 * when an application lists them in {@link MetricsOptions#roomLabels()}.
 */
public enum RoomcastMeter {
    // ---- connections ----
    CONNECTIONS_ACTIVE("roomcast.connections.active", Kind.GAUGE, "", List.of(),
            "Connections open now, each counted once however many rooms it is in."),
    CONNECTIONS_OPENED("roomcast.connections.opened", Kind.COUNTER, "", List.of("outcome"),
            "Upgrade requests by outcome: `accepted`, or the error code the client got (`INVALID_TOKEN`, `ROOM_FULL`, ...)."),
    CONNECTIONS_CLOSED("roomcast.connections.closed", Kind.COUNTER, "", List.of("code"),
            "Closed connections by close code (1006: ended without a close frame)."),
    CONNECTION_DURATION("roomcast.connection.duration", Kind.TIMER, "", List.of("code"),
            "How long connections lived, by the close code that ended them."),
    UPGRADE_DURATION("roomcast.upgrade.duration", Kind.TIMER, "", List.of("outcome"),
            "Time to decide an upgrade (token check, room authorization, capacity), `accepted` or `rejected`."),
    // ---- messages ----
    MESSAGES("roomcast.messages", Kind.COUNTER, "", List.of("direction", "frame"),
            "Envelopes received (`inbound`, decodable or not) and written (`outbound`), by WebSocket frame type (`text`)."),
    MESSAGE_SIZE("roomcast.message.size", Kind.SUMMARY, "bytes", List.of("direction", "frame"),
            "Inbound: bytes per message. Outbound: bytes per write (one frame with `roomcast.batch.v1`, else the frames of one drain)."),
    EVENT_DURATION("roomcast.event.duration", Kind.TIMER, "", List.of("type", "outcome"),
            "Time to handle an inbound event, by type and outcome (`handled`, `rejected`, `closed`, `failed`)."),
    DECODE_ERRORS("roomcast.decode.errors", Kind.COUNTER, "", List.of("code"),
            "Inbound messages that were not a valid envelope, by error code."),
    // ---- fan-out ----
    BROADCAST_DURATION("roomcast.broadcast.duration", Kind.TIMER, "", List.of("scope"),
            "Time from submitting a broadcast to the end of its fan-out, waiting for a worker included; scope `room` or `all`."),
    BROADCAST_RECIPIENTS("roomcast.broadcast.recipients", Kind.SUMMARY, "", List.of("scope"),
            "Members each broadcast was offered to."),
    BROADCAST_REJECTED("roomcast.broadcast.rejected", Kind.COUNTER, "", List.of("reason"),
            "Broadcasts refused as a whole: `job_queue_full` (the worker pool's queue) or `stopped`."),
    BROADCAST_RELAY_FAILED("roomcast.broadcast.relay.failed", Kind.COUNTER, "", List.of(),
            "Room broadcasts this node's members got but the cluster bus could not relay to the other nodes (Redis unreachable); the publisher gets a `RELAY_FAILED` error."),
    BROADCAST_JOBS_QUEUED("roomcast.broadcast.jobs.queued", Kind.GAUGE, "", List.of(),
            "Broadcast jobs waiting for a worker now."),
    SEND_REFUSED("roomcast.send.refused", Kind.COUNTER, "", List.of("behavior"),
            "Frames a full send queue refused, by send behaviour: `drop` (dropped), `block` (timed out), `close` (slow consumer closed with 1013)."),
    SEND_QUEUE_DEPTH("roomcast.send.queue.depth", Kind.SUMMARY, "", List.of(),
            "Frames queued for a connection when its writer drained; `_max` is the recent high-water mark."),
    // ---- rooms ----
    ROOMS_ACTIVE("roomcast.rooms.active", Kind.GAUGE, "", List.of(),
            "Rooms with at least one member now."),
    ROOM_REGISTRATIONS("roomcast.room.registrations", Kind.GAUGE, "", List.of(),
            "Connection-room memberships now."),
    ROOMS_BY_MEMBERS("roomcast.rooms.by.members", Kind.GAUGE, "", List.of("members"),
            "Rooms now, by member count: `1`, `2-10`, `11-100`, `101-1000`, `1001+`."),
    ROOM_MEMBERS_MAX("roomcast.room.members.max", Kind.GAUGE, "", List.of(),
            "Members of the largest room now."),
    ROOM_JOINS("roomcast.room.joins", Kind.COUNTER, "", List.of(),
            "Joins (at the upgrade or by a `join` event)."),
    ROOM_LEAVES("roomcast.room.leaves", Kind.COUNTER, "", List.of(),
            "Leaves (by a `leave` event or because the connection closed)."),
    ROOM_JOIN_REFUSED("roomcast.room.join.refused", Kind.COUNTER, "", List.of("code"),
            "Joins the hub refused, by error code (`ROOM_FULL`, `RATE_LIMITED`, `HUB_FULL`, ...)."),
    // ---- heartbeats ----
    HEARTBEAT_RTT("roomcast.heartbeat.rtt", Kind.TIMER, "", List.of(),
            "Round trip from the heartbeat's ping to the client's pong."),
    HEARTBEAT_TIMEOUTS("roomcast.heartbeat.timeouts", Kind.COUNTER, "", List.of(),
            "Connections closed because nothing, not even a pong, arrived within `pongWait`."),
    // ---- security ----
    AUTH_FAILURES("roomcast.auth.failures", Kind.COUNTER, "", List.of("reason"),
            "Upgrades refused for their token, by reason: `missing`, or the authenticator's word (`expired`, `bad_signature`, ...)."),
    ROOM_ACCESS_DENIED("roomcast.room.access.denied", Kind.COUNTER, "", List.of("code"),
            "Room authorizer refusals: `ROOM_FORBIDDEN`, or `RATE_LIMITED` when room-password guessing is throttled."),
    TOKEN_CACHE_HITS("roomcast.token.cache.hits", Kind.COUNTER, "", List.of(),
            "Tokens answered from the token authenticator's cache of verified tokens, without a signature check."),
    TOKEN_CACHE_MISSES("roomcast.token.cache.misses", Kind.COUNTER, "", List.of(),
            "Tokens not in that cache (new, evicted, or past the entry's `exp` or maximum age), so verified in full; refused tokens count here.");

    /** The kind of a meter, which decides its Prometheus suffixes. */
    public enum Kind {
        /** A monotonic count: {@code _total}. */
        COUNTER,
        /** A value read at scrape time. */
        GAUGE,
        /** A duration histogram: {@code _seconds_bucket}, {@code _seconds_count}, {@code _seconds_sum}, {@code _seconds_max}. */
        TIMER,
        /** A value histogram: {@code _bucket}, {@code _count}, {@code _sum}, {@code _max}. */
        SUMMARY
    }

    private final String meterName;
    private final Kind kind;
    private final String baseUnit;
    private final List<String> labels;
    private final String description;

    RoomcastMeter(String meterName, Kind kind, String baseUnit, List<String> labels, String description) {
        this.meterName = meterName;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.labels = labels;
        this.description = Objects.requireNonNull(description);
    }

    /** The Micrometer name, dot-separated. */
    public String meterName() {
        return meterName;
    }

    /** The kind. */
    public Kind kind() {
        return kind;
    }

    /** The base unit of a summary ({@code bytes}), or empty. */
    public String baseUnit() {
        return baseUnit;
    }

    /** The label names, in order, before the optional {@code room} label. */
    public List<String> labels() {
        return labels;
    }

    /**
     * Whether the meter gains a {@code room} label when {@link MetricsOptions#roomLabels()} lists rooms
     * (joins, leaves and broadcasts); without the allow-list no meter names a room.
     */
    public boolean acceptsRoomLabel() {
        return this == ROOM_JOINS || this == ROOM_LEAVES || this == BROADCAST_DURATION || this == BROADCAST_RECIPIENTS;
    }

    /** What the meter means, for the help text and the guide (Markdown). */
    public String description() {
        return description;
    }

    /** The name Prometheus shows, e.g. {@code roomcast_connections_opened_total}. */
    public String prometheusName() {
        String base = meterName.replace('.', '_');
        return switch (kind) {
            case COUNTER -> base + "_total";
            case GAUGE -> base;
            case TIMER -> base + "_seconds";
            case SUMMARY -> baseUnit.isEmpty() ? base : base + "_" + baseUnit;
        };
    }

    /** The help text: the description without Markdown code marks. */
    String help() {
        return description.replace("`", "");
    }
}
