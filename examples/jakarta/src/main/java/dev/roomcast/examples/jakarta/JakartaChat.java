package dev.roomcast.examples.jakarta;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.RoomcastConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The Jakarta example's entry point: a servlet application ({@link ServletApp}) with Roomcast mounted
 * as a Jakarta WebSocket endpoint at {@code /ws} and a chat page at {@code /}. Reads its settings from
 * the environment through {@link ConfigSources}: {@code ROOMCAST_HOST} (default 127.0.0.1),
 * {@code ROOMCAST_PORT} (default 8080; 0 picks a free port), {@code ROOMCAST_TOKEN_SECRET} (HS256, at
 * least 32 bytes; when unset the run signs with a generated secret and serves development tokens at
 * {@code /token}), {@code ROOMCAST_ALLOWED_ORIGINS} (comma list; the page's own origin is always
 * allowed) and {@code ROOMCAST_SHUTDOWN_SECONDS} (graceful shutdown deadline, default 10).
 */
public final class JakartaChat {
    private JakartaChat() {
    }

    /** Starts the application and shuts it down gracefully on SIGTERM/SIGINT. */
    public static void main(String[] args) {
        ServletApp app = start(ConfigSources.fromProcess(), System.out);
        Duration deadline = app.roomcast().config().shutdownTimeout();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> app.shutdown(deadline), "roomcast-shutdown"));
    }

    /** Builds and starts the application from {@code env}, printing where it listens to {@code out}. */
    public static ServletApp start(ConfigSources env, PrintStream out) {
        Optional<byte[]> configured = env.secret("ROOMCAST_TOKEN_SECRET");
        byte[] secret = configured.orElseGet(JakartaChat::randomSecret);
        Set<String> origins = origins(env.string("ROOMCAST_ALLOWED_ORIGINS", ""));
        String host = env.string("ROOMCAST_HOST", "127.0.0.1");
        int port = env.integer("ROOMCAST_PORT", 8080);
        Duration shutdown = Duration.ofSeconds(env.integer("ROOMCAST_SHUTDOWN_SECONDS", 10));
        Optional<TokenServlet> devTokens = configured.isPresent() ? Optional.empty()
                : Optional.of(new TokenServlet(new TokenMinter(secret)));

        ServletApp app = ServletApp.start(host, port, pageOrigin -> {
            Set<String> allowed = new LinkedHashSet<>(origins);
            allowed.add(pageOrigin);
            RoomcastConfig config = RoomcastConfig.builder()
                    .host(host).port(port)
                    .tokenSecret(secret)
                    .queryTokenEnabled(true) // browsers cannot set an Authorization header on a WebSocket
                    .allowedOrigins(allowed)
                    .shutdownTimeout(shutdown)
                    .build();
            return JakartaChatComponent.create(config).roomcast();
        }, devTokens);
        out.println("Roomcast (Jakarta WebSocket) chat page on " + app.httpUri() + "/, WebSocket at " + app.webSocketUri());
        if (devTokens.isPresent()) {
            out.println("Development mode: ROOMCAST_TOKEN_SECRET is not set, so this run signs tokens with a random secret"
                    + " and serves them at " + app.httpUri() + "/token?name=alice");
        }
        return app;
    }

    private static Set<String> origins(String commaList) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(commaList.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }

    private static byte[] randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).getBytes(StandardCharsets.US_ASCII);
    }
}
