package dev.roomcast.examples.jakarta;

import dev.roomcast.auth.TokenMinter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Development only: {@code GET /token?name=bob} answers {@code {"token":"…"}}, an HS256 token for
 * subject {@code bob} valid one hour, so the page works without a login. It stands for the
 * application's real login, which would mint the token for the signed-in user; it is mounted only
 * when the run signs with a generated secret.
 */
public final class TokenServlet extends HttpServlet {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final Duration TTL = Duration.ofHours(1);

    private final transient TokenMinter minter;

    public TokenServlet(TokenMinter minter) {
        this.minter = minter;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("name");
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        if (name == null || !NAME.matcher(name).matches()) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.getOutputStream().write(
                    "{\"error\":{\"code\":\"BAD_NAME\",\"message\":\"expected a name of 1 to 32 of a-z 0-9 _ -\"}}"
                            .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String token = minter.mint(name, Optional.of(name), Set.of(), TTL);
        response.getOutputStream().write(("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
    }
}
