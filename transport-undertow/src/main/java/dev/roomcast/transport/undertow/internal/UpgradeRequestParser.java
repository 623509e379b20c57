package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one reader of an upgrade request, for both transports (DESIGN §4, checks 0 to 8a): the query's
 * escapes, method, {@code Upgrade}/{@code Connection} tokens, version, key, subprotocol, origin, the
 * {@code ?room=} list, the token from {@code Authorization: Bearer} or {@code ?access_token=}, and the
 * room password header. It has no Undertow or servlet types and no side effects, so it is fed by a
 * plain {@link RequestView} (the native handler's adapter over an exchange, the Jakarta filter's over
 * a servlet request, or a fuzz test) and answers with a {@link Result}: what the request asks for, or
 * the refusal it gets. It decodes the raw query itself, so a malformed escape is the same JSON
 * {@code BAD_REQUEST} whichever transport received it. It never throws for any input. Thread-safe
 * (immutable); never blocks.
 *
 * <p>Checks that need more than the request (whether the hub runs, token verification, room
 * authorization, capacity) are {@link UpgradeGate}'s, which calls this parser first.
 */
public final class UpgradeRequestParser {
    /** Subprotocol with one envelope per frame (the default). */
    public static final String SUBPROTOCOL_V1 = "roomcast.v1";
    /** Subprotocol whose server frames may carry several newline-separated envelopes. */
    public static final String SUBPROTOCOL_BATCH_V1 = "roomcast.batch.v1";
    /** Header carrying a room password at the upgrade (never the query string: URLs are logged). */
    public static final String ROOM_PASSWORD_HEADER = "X-Roomcast-Room-Password";
    /** The subprotocols the server speaks. */
    public static final Set<String> SUBPROTOCOLS = Set.of(SUBPROTOCOL_V1, SUBPROTOCOL_BATCH_V1);
    /**
     * The most query parameters a request may carry, as Undertow's {@code UndertowOptions.MAX_PARAMETERS}
     * default (whose request parser already refuses more, so this bound only matters for other containers).
     */
    static final int MAX_QUERY_PARAMETERS = 1000;

    private static final String BEARER = "bearer ";

    private final boolean allowAllOrigins;
    private final Set<String> allowedOrigins;
    private final boolean queryTokenEnabled;
    private final boolean allowUnauthenticated;
    private final int maxRooms;

    /**
     * Creates a parser with the origin, token and room rules of {@code config}. A request may name at
     * most {@link RoomcastConfig#joinBurst()} rooms: a connection's join bucket starts with that many
     * joins, so the hub would refuse the next one with {@code RATE_LIMITED} anyway; refusing here
     * spares the token check and one authorization per room of a request that cannot succeed.
     */
    public UpgradeRequestParser(RoomcastConfig config) {
        this.allowAllOrigins = config.allowAllOrigins();
        this.allowedOrigins = config.allowedOrigins();
        this.queryTokenEnabled = config.queryTokenEnabled();
        this.allowUnauthenticated = config.allowUnauthenticated();
        this.maxRooms = config.joinBurst();
    }

    /**
     * What the parser reads of an HTTP request. Implementations hand out their own collections
     * (no copies where they can): the parser only iterates them.
     */
    public interface RequestView {
        /** The request method as sent, e.g. {@code GET}. */
        String method();

        /** Every value of the header {@code name} (matched case-insensitively), in arrival order; empty when absent. */
        Collection<String> headers(String name);

        /** The query string as it came (after {@code ?}, not decoded); empty when there is none. */
        String rawQuery();
    }

    /** What a request asks for, or why it is refused. */
    public sealed interface Result {
    }

    /**
     * A request that passed every check the parser makes.
     *
     * @param subprotocol  the subprotocol chosen: the client's first known one, else {@link #SUBPROTOCOL_V1}
     * @param rooms        valid room names from {@code ?room=}, duplicates removed in order, at most {@code joinBurst} of them
     * @param token        the bearer token (header first, then the query when enabled); empty only when unauthenticated access is allowed
     * @param roomPassword the {@link #ROOM_PASSWORD_HEADER} value, if sent
     */
    public record Parsed(String subprotocol, List<String> rooms, Optional<String> token, Optional<String> roomPassword)
            implements Result {
        public Parsed {
            Objects.requireNonNull(subprotocol, "subprotocol");
            rooms = List.copyOf(rooms);
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(roomPassword, "roomPassword");
        }

        /** Whether the client negotiated {@link #SUBPROTOCOL_BATCH_V1}. */
        public boolean batching() {
            return SUBPROTOCOL_BATCH_V1.equals(subprotocol);
        }
    }

    /**
     * A refused upgrade, by the parser or by {@link UpgradeGate}: answered with {@code code}'s status and
     * JSON body, plus {@code headers}.
     *
     * @param detail      for the log and the listeners, never the client; it never contains a token or password
     * @param authFailure the short fixed word of a token refusal ({@code missing}), never the token
     */
    public record Refusal(ErrorCode code, String detail, Map<String, String> headers, Optional<String> authFailure)
            implements Result {
        public Refusal {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
            headers = Map.copyOf(headers);
            Objects.requireNonNull(authFailure, "authFailure");
        }

        static Refusal of(ErrorCode code, String detail) {
            return new Refusal(code, detail, Map.of(), Optional.empty());
        }
    }

    /** Whether {@code request} asks for a WebSocket at all ({@code Upgrade: websocket}); other requests are not an upgrade's. */
    public static boolean asksForWebSocket(RequestView request) {
        return hasToken(request.headers("Upgrade"), "websocket");
    }

    /** Runs checks 0 to 8a on {@code request}, in the contract's order; the first failing one decides. Never throws. */
    public Result parse(RequestView request) {
        // 0. the query decodes (UTF-8, + is a space), as for every route: else BAD_REQUEST
        Query query = Query.parse(request.rawQuery());
        if (query == null) {
            return Refusal.of(ErrorCode.BAD_REQUEST, "malformed escape or too many parameters in the query");
        }
        // 1. method (ASCII case-insensitive, as Undertow compares methods)
        String method = request.method();
        if (method == null || !"GET".equalsIgnoreCase(method) || !isAscii(method)) {
            return new Refusal(ErrorCode.METHOD_NOT_ALLOWED, "method " + method, Map.of("Allow", "GET"), Optional.empty());
        }
        // 2. upgrade headers (case-insensitive tokens in comma lists)
        if (!asksForWebSocket(request) || !hasToken(request.headers("Connection"), "upgrade")) {
            return Refusal.of(ErrorCode.BAD_UPGRADE, "missing Upgrade/Connection headers");
        }
        // 3. version: only 13; the answer names it (RFC 6455 §4.4)
        String version = first(request.headers("Sec-WebSocket-Version"));
        if (version == null || !"13".equals(version.trim())) {
            return new Refusal(ErrorCode.BAD_VERSION, "unsupported version", Map.of("Sec-WebSocket-Version", "13"),
                    Optional.empty());
        }
        // 4. key: base64 of exactly 16 bytes
        if (!isValidKey(first(request.headers("Sec-WebSocket-Key")))) {
            return Refusal.of(ErrorCode.BAD_KEY, "bad key");
        }
        // 5. subprotocol: none offered = roomcast.v1; only unknown ones = refused
        List<String> offered = commaList(request.headers("Sec-WebSocket-Protocol"));
        String chosen = SUBPROTOCOL_V1;
        if (!offered.isEmpty()) {
            chosen = firstKnownSubprotocol(offered);
            if (chosen == null) {
                return Refusal.of(ErrorCode.BAD_SUBPROTOCOL, "only unknown subprotocols offered");
            }
        }
        // 6. origin: exact match against the allow-list; no Origin = not a browser = allowed
        String origin = first(request.headers("Origin"));
        if (origin != null && !allowAllOrigins && !allowedOrigins.contains(origin)) {
            return Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "origin not in the allow-list");
        }
        // 7. room names: every one valid, then at most maxRooms distinct ones
        Set<String> rooms = new LinkedHashSet<>();
        boolean tooMany = false;
        for (String value : query.rooms()) {
            for (String part : value.split(",", -1)) {
                String room = part.trim();
                if (!RoomName.isValid(room)) {
                    return Refusal.of(ErrorCode.INVALID_ROOM, "invalid room name at upgrade");
                }
                if (!tooMany && rooms.add(room) && rooms.size() > maxRooms) {
                    tooMany = true; // keep validating: an invalid name is still answered as one
                }
            }
        }
        if (tooMany) {
            return Refusal.of(ErrorCode.RATE_LIMITED, "more than " + maxRooms + " rooms at upgrade (the join burst)");
        }
        // 8a. token presence (verification is the handler's, off the I/O thread when it may block)
        Optional<String> token = bearerCredential(first(request.headers("Authorization")));
        if (token.isEmpty() && queryTokenEnabled) {
            String queryToken = query.accessToken();
            token = queryToken == null || queryToken.isBlank() ? Optional.empty() : Optional.of(queryToken);
        }
        if (token.isEmpty() && !allowUnauthenticated) {
            return new Refusal(ErrorCode.TOKEN_REQUIRED, "no bearer token", Map.of(), Optional.of("missing"));
        }
        return new Parsed(chosen, List.copyOf(rooms), token,
                Optional.ofNullable(first(request.headers(ROOM_PASSWORD_HEADER))));
    }

    /**
     * The query parameters the parser reads: every {@code room} value in order, and the first
     * {@code access_token}. The pairs are split as Undertow's {@code URLUtils.parseQueryString} splits
     * them: at {@code &} (empty pieces skipped), then at the first {@code =} (none: the value is empty).
     */
    private record Query(List<String> rooms, String accessToken) {
        private static final Query EMPTY = new Query(List.of(), null);

        /** The parameters of {@code raw}, or null when an escape is malformed or there are too many parameters. */
        static Query parse(String raw) {
            if (raw == null || raw.isEmpty()) {
                return EMPTY;
            }
            List<String> rooms = new ArrayList<>(2);
            String accessToken = null;
            int count = 0;
            int start = 0;
            while (start <= raw.length()) {
                int end = raw.indexOf('&', start);
                if (end < 0) {
                    end = raw.length();
                }
                if (end > start) {
                    if (++count > MAX_QUERY_PARAMETERS) {
                        return null;
                    }
                    int eq = raw.indexOf('=', start);
                    int nameEnd = eq < 0 || eq > end ? end : eq;
                    String name = decode(raw, start, nameEnd);
                    // every value must decode, also the ones nobody reads, as Undertow decodes them all
                    String value = nameEnd == end ? "" : decode(raw, nameEnd + 1, end);
                    if (name == null || value == null) {
                        return null;
                    }
                    if (name.equals("room")) {
                        rooms.add(value);
                    } else if (name.equals("access_token") && accessToken == null) {
                        accessToken = value;
                    }
                }
                start = end + 1;
            }
            return new Query(rooms, accessToken);
        }
    }

    /**
     * {@code s[from, to)} decoded as Undertow's {@code URLUtils.decode} decodes a query (UTF-8, form
     * encoding): {@code +} is a space, and each run of {@code %XX} escapes is one UTF-8 byte sequence
     * whose malformed bytes become U+FFFD. Null when a {@code %} is not followed by two hex digits.
     */
    static String decode(String s, int from, int to) {
        int firstEscape = -1;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '+') {
                firstEscape = i;
                break;
            }
        }
        if (firstEscape < 0) {
            return s.substring(from, to);
        }
        StringBuilder out = new StringBuilder(to - from).append(s, from, firstEscape);
        byte[] bytes = null;
        int i = firstEscape;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '+') {
                out.append(' ');
                i++;
            } else if (c == '%') {
                if (bytes == null) {
                    bytes = new byte[(to - i) / 3];
                }
                int n = 0;
                while (i < to && s.charAt(i) == '%') {
                    int high = i + 2 < to ? hexDigit(s.charAt(i + 1)) : -1;
                    int low = high < 0 ? -1 : hexDigit(s.charAt(i + 2));
                    if (low < 0) {
                        return null;
                    }
                    bytes[n++] = (byte) (high << 4 | low);
                    i += 3;
                }
                out.append(new String(bytes, 0, n, StandardCharsets.UTF_8));
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** The credential of an {@code Authorization: Bearer …} header value (scheme case-insensitive), if present and not blank. */
    public static Optional<String> bearerCredential(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.trim();
        if (h.length() > BEARER.length() && h.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            String credential = h.substring(BEARER.length()).trim();
            return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
        }
        return Optional.empty();
    }

    /** The first value, or null when there is none. */
    static String first(Collection<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        Iterator<String> it = values.iterator();
        return it.next();
    }

    // Plain loops rather than streams on the upgrade path: a stream pipeline per header allocates,
    // and its call sites see several list classes, so the compiled upgrade path kept being
    // deoptimised and recompiled long after warm-up (finding 16 on the Benchmarks page).
    private static boolean hasToken(Collection<String> values, String expected) {
        for (String v : commaList(values)) {
            if (v.equalsIgnoreCase(expected)) {
                return true;
            }
        }
        return false;
    }

    /** The client's first offered subprotocol that we speak, or null. */
    private static String firstKnownSubprotocol(List<String> offered) {
        for (String p : offered) {
            if (SUBPROTOCOLS.contains(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<String> commaList(Collection<String> values) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String value : values) {
            for (String part : value.split(",")) {
                String t = part.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
