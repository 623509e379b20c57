package dev.roomcast.transport.undertow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.ParameterLimitException;
import io.undertow.util.URLUtils;
import io.undertow.util.UrlDecodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link UpgradeRequestParser} through the same {@link UpgradeHandler.ExchangeView} the
 * server uses, over a real Undertow exchange carrying the query as it came (the parser decodes it
 * itself, for both transports). Undertow's own {@code URLUtils.parseQueryString} is the oracle for
 * the decoding: the parser refuses a query with {@code BAD_REQUEST} exactly when Undertow cannot
 * decode it, and otherwise reads the rooms Undertow reads. The
 * input is a readable request head, so seeds are easy to write and the fuzzer mutates text:
 * <pre>
 * &#64;config queryToken anonymous allowAll burst=3     (optional first line)
 * GET /ws?room=lobby,team:a&amp;access_token=t
 * Upgrade: websocket
 * Connection: Upgrade
 * </pre>
 * Invariants: the parser never throws; the query decodes as Undertow decodes it; a refusal is one of the parser's codes, a 4xx whose body is
 * exactly the contract's {@code {"error":{"code","message"}}} JSON, and whose log detail is a fixed
 * text (so it can never carry a token or password); an accepted request has only valid, distinct
 * room names, at most {@code joinBurst} of them, a subprotocol the client offered (or the default),
 * a token unless anonymous access is on, and an allowed origin.
 */
class UpgradeRequestParserFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALLOWED_ORIGIN = "https://app.example";
    private static final Pattern HTTP_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Undertow's default limit of query parameters ({@code UndertowOptions.MAX_PARAMETERS}). */
    private static final int MAX_PARAMETERS = 1000;
    private static final Set<ErrorCode> PARSER_CODES = Set.of(ErrorCode.BAD_REQUEST, ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.BAD_UPGRADE,
            ErrorCode.BAD_VERSION, ErrorCode.BAD_KEY, ErrorCode.BAD_SUBPROTOCOL, ErrorCode.FORBIDDEN_ORIGIN,
            ErrorCode.INVALID_ROOM, ErrorCode.RATE_LIMITED, ErrorCode.TOKEN_REQUIRED);
    private static final Set<String> FIXED_DETAILS = Set.of("malformed escape or too many parameters in the query", "missing Upgrade/Connection headers", "unsupported version",
            "bad key", "only unknown subprotocols offered", "origin not in the allow-list", "invalid room name at upgrade",
            "no bearer token");

    @FuzzTest(maxDuration = "5m")
    void anyRequestHeadIsParsedOrRefusedAsTheContractSays(byte[] input) throws IOException {
        List<String> lines = new ArrayList<>(List.of(new String(input, StandardCharsets.ISO_8859_1).split("\n", -1)));
        RoomcastConfig config = config(lines);
        if (lines.isEmpty()) {
            return;
        }
        HttpServerExchange exchange = new HttpServerExchange(null);
        if (!requestLine(exchange, strip(lines.remove(0)))) {
            return; // Undertow's request parser answers such a request line itself, before any handler
        }
        for (String line : lines) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).trim();
            if (HTTP_TOKEN.matcher(name).matches()) {
                exchange.getRequestHeaders().add(HttpString.tryFromString(name), strip(line.substring(colon + 1)).trim());
            }
        }
        UpgradeRequestParser parser = new UpgradeRequestParser(config);
        UpgradeRequestParser.RequestView view = new UpgradeHandler.ExchangeView(exchange);
        UpgradeRequestParser.Result result = parser.parse(view);
        assertThat(parser.parse(view)).as("parsing is deterministic").isEqualTo(result);
        boolean undertowDecodes = undertowDecodes(exchange);
        assertThat(result instanceof UpgradeRequestParser.Refusal r && r.code() == ErrorCode.BAD_REQUEST)
                .as("BAD_REQUEST exactly when Undertow cannot decode the query").isEqualTo(!undertowDecodes);
        switch (result) {
            case UpgradeRequestParser.Refusal refused -> assertRefusal(refused, view);
            case UpgradeRequestParser.Parsed parsed -> assertAccepted(parsed, exchange, view, config);
        }
    }

    /** {@code @config} flags on the first line, else the defaults plus the allowed test origin. */
    private static RoomcastConfig config(List<String> lines) {
        RoomcastConfig.Builder b = RoomcastConfig.builder().allowedOrigins(ALLOWED_ORIGIN);
        if (lines.isEmpty() || !lines.get(0).startsWith("@config")) {
            return b.build();
        }
        for (String flag : lines.remove(0).split(" ")) {
            switch (flag) {
                case "queryToken" -> b.queryTokenEnabled(true);
                case "anonymous" -> b.allowUnauthenticated(true);
                case "allowAll" -> b.allowAllOrigins(true);
                default -> {
                    if (flag.matches("burst=[1-9][0-9]?")) {
                        b.joinBurst(Integer.parseInt(flag.substring(6)));
                    }
                }
            }
        }
        return b.build();
    }

    /** Sets method and raw query as Undertow's request parser would with DECODE_URL off; false for what it refuses first. */
    private static boolean requestLine(HttpServerExchange exchange, String line) {
        int space = line.indexOf(' ');
        String method = space < 0 ? line : line.substring(0, space);
        String target = space < 0 ? "/ws" : line.substring(space + 1);
        if (!HTTP_TOKEN.matcher(method).matches()) {
            return false;
        }
        int question = target.indexOf('?');
        String query = question < 0 ? "" : target.substring(question + 1);
        for (int i = 0; i < query.length(); i++) {
            if (query.charAt(i) <= ' ' || query.charAt(i) >= 0x7f) {
                return false; // unescaped characters in a URL: refused by Undertow's parser
            }
        }
        exchange.setRequestMethod(HttpString.tryFromString(method));
        exchange.setQueryString(query);
        return true;
    }

    /** Whether Undertow's own query decoding accepts the exchange's query; fills its query parameters when it does. */
    private static boolean undertowDecodes(HttpServerExchange exchange) {
        exchange.getQueryParameters().clear();
        try {
            URLUtils.parseQueryString(exchange.getQueryString(), exchange, "UTF-8", true, MAX_PARAMETERS);
            return true;
        } catch (UrlDecodeException | ParameterLimitException e) {
            return false;
        }
    }

    private static void assertRefusal(UpgradeRequestParser.Refusal refused, UpgradeRequestParser.RequestView view)
            throws IOException {
        ErrorCode code = refused.code();
        assertThat(code).isIn(PARSER_CODES);
        assertThat(code.httpStatus()).as("a refusal is a 4xx").isBetween(400, 499);
        HttpResponse response = HttpResponse.error(code);
        assertThat(response.status()).isEqualTo(code.httpStatus());
        assertThat(response.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.properties()).hasSize(1);
        assertThat(body.path("error").properties()).hasSize(2);
        assertThat(body.path("error").path("code").asText()).isEqualTo(code.name());
        assertThat(body.path("error").path("message").asText()).isEqualTo(code.safeMessage());
        switch (code) {
            case METHOD_NOT_ALLOWED -> {
                assertThat(refused.detail()).isEqualTo("method " + view.method());
                assertThat(refused.headers()).isEqualTo(Map.of("Allow", "GET"));
            }
            case BAD_VERSION -> assertThat(refused.headers()).isEqualTo(Map.of("Sec-WebSocket-Version", "13"));
            case RATE_LIMITED -> assertThat(refused.detail()).matches("more than [0-9]+ rooms at upgrade \\(the join burst\\)");
            default -> assertThat(refused.headers()).isEmpty();
        }
        if (code != ErrorCode.METHOD_NOT_ALLOWED && code != ErrorCode.RATE_LIMITED) {
            assertThat(refused.detail()).as("a fixed text, never the request's").isIn(FIXED_DETAILS);
        }
        assertThat(refused.authFailure()).isEqualTo(
                code == ErrorCode.TOKEN_REQUIRED ? Optional.of("missing") : Optional.empty());
    }

    private static void assertAccepted(UpgradeRequestParser.Parsed parsed, HttpServerExchange exchange,
                                       UpgradeRequestParser.RequestView view, RoomcastConfig config) {
        assertThat(view.method()).isEqualToIgnoringCase("GET");
        assertThat(parsed.rooms()).allMatch(RoomName::isValid).doesNotHaveDuplicates()
                .hasSizeLessThanOrEqualTo(config.joinBurst());
        Set<String> asked = new HashSet<>();
        for (String value : exchange.getQueryParameters().getOrDefault("room", new ArrayDeque<>())) {
            for (String part : value.split(",", -1)) {
                asked.add(part.trim());
            }
        }
        assertThat(asked).as("every room asked for is joined").containsExactlyInAnyOrderElementsOf(parsed.rooms());
        List<String> offered = new ArrayList<>();
        for (String value : view.headers("Sec-WebSocket-Protocol")) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    offered.add(part.trim());
                }
            }
        }
        assertThat(parsed.subprotocol()).isIn(UpgradeRequestParser.SUBPROTOCOLS);
        if (offered.isEmpty()) {
            assertThat(parsed.subprotocol()).isEqualTo(UpgradeRequestParser.SUBPROTOCOL_V1);
        } else {
            assertThat(offered).contains(parsed.subprotocol());
        }
        if (!config.allowUnauthenticated()) {
            assertThat(parsed.token()).as("a token is required").isPresent();
        }
        parsed.token().ifPresent(t -> assertThat(t).isNotBlank());
        if (parsed.token().isPresent()
                && UpgradeRequestParser.bearerCredential(UpgradeRequestParser.first(view.headers("Authorization"))).isEmpty()) {
            assertThat(exchange.getQueryParameters().get("access_token")).as("the query token as Undertow reads it")
                    .isNotNull().first().isEqualTo(parsed.token().get());
        }
        String origin = UpgradeRequestParser.first(view.headers("Origin"));
        if (origin != null && !config.allowAllOrigins()) {
            assertThat(config.allowedOrigins()).contains(origin);
        }
        Collection<String> passwords = view.headers(UpgradeRequestParser.ROOM_PASSWORD_HEADER);
        assertThat(parsed.roomPassword()).isEqualTo(Optional.ofNullable(UpgradeRequestParser.first(passwords)));
    }

    private static String strip(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
