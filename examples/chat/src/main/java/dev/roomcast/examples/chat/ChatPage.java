package dev.roomcast.examples.chat;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat's browser page as plain {@link HttpRoute}s: {@code GET /} (the page), {@code GET /chat.js}
 * (its script), {@code GET /roomcast-client.js} (the browser client, copied into the jar from
 * {@code clients/browser} at build time, so there is one source) and, in development mode only,
 * {@code POST /dev/token}, which mints a short-lived token for any name. That endpoint exists only when
 * the run signs with its own random secret (no {@code ROOMCAST_TOKEN_SECRET}): it lets anyone become
 * anyone, so it must never be reachable in production, and there it is not even mounted.
 */
public final class ChatPage {
    /** The development token endpoint's path. */
    public static final String DEV_TOKEN_PATH = "/dev/token";
    /** How long a development token lives. */
    static final Duration DEV_TOKEN_TTL = Duration.ofHours(1);

    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final Pattern NAME_FIELD = Pattern.compile("\"name\"\\s*:\\s*\"([^\"\\\\]*)\"");
    // The page's resources are tiny and fixed: read once, serve from memory.
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "chat.js", "text/javascript; charset=utf-8",
            "roomcast-client.js", "text/javascript; charset=utf-8");

    private ChatPage() {
    }

    /** The page's routes; {@code POST /dev/token} only when {@code settings} carry a development minter. */
    public static Set<HttpRoute> routes(ChatSettings settings) {
        Set<HttpRoute> routes = new LinkedHashSet<>();
        routes.add(staticRoute("/", "index.html"));
        routes.add(staticRoute("/chat.js", "chat.js"));
        routes.add(staticRoute("/roomcast-client.js", "roomcast-client.js"));
        settings.devTokenMinter().ifPresent(minter -> routes.add(HttpRoute.post(DEV_TOKEN_PATH, request -> {
            Optional<String> name = name(new String(request.body(), StandardCharsets.UTF_8), request.queryAll("name"));
            if (name.isEmpty()) {
                return HttpResponse.error(ErrorCode.INVALID_PAYLOAD,
                        "send {\"name\":\"...\"} with 1 to 32 of a-z, 0-9, _ and -");
            }
            return devToken(minter, name.get());
        })));
        return Set.copyOf(routes);
    }

    private static HttpResponse devToken(TokenMinter minter, String name) {
        String token = minter.mint(name, Optional.of(name), Set.of(), DEV_TOKEN_TTL);
        return new HttpResponse(200, "application/json", Map.of("Cache-Control", "no-store"),
                ("{\"token\":\"" + token + "\",\"subject\":\"" + name + "\",\"expiresInSeconds\":"
                        + DEV_TOKEN_TTL.toSeconds() + ",\"note\":\"development only: this endpoint exists because "
                        + "ROOMCAST_TOKEN_SECRET is not set\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** The name from a JSON body {@code {"name":"..."}} or else a {@code name} query parameter, if valid. */
    private static Optional<String> name(String body, List<String> query) {
        Matcher m = NAME_FIELD.matcher(body);
        String name = m.find() ? m.group(1) : query.isEmpty() ? null : query.get(0);
        return name != null && NAME.matcher(name).matches() ? Optional.of(name) : Optional.empty();
    }

    private static HttpRoute staticRoute(String path, String resource) {
        byte[] body = read("/dev/roomcast/examples/chat/page/" + resource);
        return HttpRoute.get(path, request -> new HttpResponse(200, TYPES.get(resource),
                Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff"), body));
    }

    private static byte[] read(String resource) {
        try (InputStream in = ChatPage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing page resource " + resource + " (is the jar built by Maven?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
