package dev.roomcast.transport.undertow.jakarta;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.internal.UpgradeGate;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The upgrade contract in front of the Jakarta endpoint: a servlet filter, because a filter can still
 * answer with a status and a JSON body, while the WebSocket configurator cannot ({@code HandshakeResponse}
 * has headers only, and {@code checkOrigin} answers a bare 403). For a WebSocket upgrade request it runs
 * the native transport's handshake checks (method, upgrade headers, version 13, key), then the same
 * {@link UpgradeGate} decisions as the native transport, in the same order: subprotocol, origin, room names, token, room authorization, inbound rate, capacity. A refusal is answered here
 * with the contract's status and {@code {"error":{…}}} body, never a 101; an admitted request goes on
 * to the container's handshake carrying its reserved connection as the user principal. Other requests
 * pass through untouched. Runs on the container's request thread, where blocking checks may block.
 */
final class UpgradeFilter implements Filter {
    private final RoomcastConfig config;
    private final UpgradeGate gate;
    private final JakartaServices services;

    UpgradeFilter(RoomcastConfig config, UpgradeGate gate, JakartaServices services) {
        this.config = config;
        this.gate = gate;
        this.services = services;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse answer)
                || !hasToken(http.getHeaders("Upgrade"), "websocket")) {
            chain.doFilter(request, response);
            return;
        }
        UpgradeGate.Attempt attempt = gate.attempt(Optional.ofNullable(http.getHeader("traceparent")),
                Optional.ofNullable(http.getHeader("tracestate")));
        String clientAddress = Optional.ofNullable(http.getRemoteAddr()).orElse("unknown");
        // 1.-4. the handshake itself, checked here as the native transport checks it: containers accept
        // more (Undertow's also speaks the drafts 07 and 08), and would answer without the JSON body
        Optional<UpgradeGate.Refusal> malformed = handshakeRefusal(http);
        if (malformed.isPresent()) {
            ErrorCode code = malformed.get().code();
            Map<String, String> headers = code == ErrorCode.METHOD_NOT_ALLOWED ? Map.of("Allow", "GET")
                    : code == ErrorCode.BAD_VERSION ? Map.of("Sec-WebSocket-Version", "13") : Map.of();
            reject(answer, malformed.get(), headers, clientAddress, attempt);
            return;
        }
        // 5. subprotocol: none offered = roomcast.v1; only unknown ones = refused (the container would accept none)
        List<String> offered = commaList(http.getHeaders("Sec-WebSocket-Protocol"));
        if (!offered.isEmpty() && Collections.disjoint(offered, RoomcastJakarta.SUBPROTOCOLS)) {
            reject(answer, new UpgradeGate.Refusal(ErrorCode.BAD_SUBPROTOCOL, "only unknown subprotocols offered",
                    Optional.empty()), clientAddress, attempt);
            return;
        }
        // 6. origin, 7. room names, 8a. token presence
        List<String> rooms = roomsRequested(http);
        Optional<String> token = UpgradeGate.bearerCredential(http.getHeader("Authorization"));
        if (token.isEmpty() && config.queryTokenEnabled()) {
            token = Optional.ofNullable(http.getParameter("access_token")).filter(t -> !t.isBlank());
        }
        Optional<UpgradeGate.Refusal> refused = gate.precheck(Optional.ofNullable(http.getHeader("Origin")), rooms, token);
        if (refused.isPresent()) {
            reject(answer, refused.get(), clientAddress, attempt);
            return;
        }
        // 8b. token, 9. rooms, 9b. inbound rate, 10. capacity: reserved before the handshake
        UpgradeGate.Request admission = new UpgradeGate.Request(clientAddress, rooms, token,
                Optional.ofNullable(http.getHeader(RoomcastJakarta.ROOM_PASSWORD_HEADER)));
        JakartaConnection connection;
        switch (gate.admit(admission, (id, identity, rate) -> new JakartaConnection(id, identity, clientAddress, services, rate))) {
            case UpgradeGate.Admission.Admitted<JakartaConnection> admitted -> connection = admitted.peer();
            case UpgradeGate.Admission.Refused<JakartaConnection> no -> {
                reject(answer, no.refusal(), clientAddress, attempt);
                return;
            }
        }
        gate.reportAccepted(connection.id(), attempt);
        try {
            chain.doFilter(new Admitted(http, new AdmittedPrincipal(connection)), response);
        } catch (IOException | ServletException | RuntimeException e) {
            connection.abandonIfNotAttached("upgrade failed");
            throw e;
        }
        if (answer.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS) {
            connection.expectOpenWithin(config.pongWait());
        } else {
            // The container refused the handshake itself (bad version or key, no endpoint on this path).
            connection.abandonIfNotAttached("handshake refused by the container");
        }
    }

    /**
     * Method, upgrade headers, version 13 and a key of 16 bytes, in the native transport's order (the
     * same checks as its {@code UpgradeHandler}, on the servlet request).
     */
    private static Optional<UpgradeGate.Refusal> handshakeRefusal(HttpServletRequest http) {
        if (!"GET".equals(http.getMethod())) {
            return refusal(ErrorCode.METHOD_NOT_ALLOWED, "method " + http.getMethod());
        }
        if (!hasToken(http.getHeaders("Connection"), "upgrade")) {
            return refusal(ErrorCode.BAD_UPGRADE, "missing Upgrade/Connection headers");
        }
        String version = http.getHeader("Sec-WebSocket-Version");
        if (version == null || !version.trim().equals("13")) {
            return refusal(ErrorCode.BAD_VERSION, "unsupported version");
        }
        String key = http.getHeader("Sec-WebSocket-Key");
        if (!isValidKey(key)) {
            return refusal(ErrorCode.BAD_KEY, "bad key");
        }
        return Optional.empty();
    }

    private static Optional<UpgradeGate.Refusal> refusal(ErrorCode code, String detail) {
        return Optional.of(new UpgradeGate.Refusal(code, detail, Optional.empty()));
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

    private void reject(HttpServletResponse answer, UpgradeGate.Refusal refusal, String clientAddress,
                        UpgradeGate.Attempt attempt) throws IOException {
        reject(answer, refusal, Map.of(), clientAddress, attempt);
    }

    /** Answers the refusal with its status, {@code headers} and the contract's JSON body. */
    private void reject(HttpServletResponse answer, UpgradeGate.Refusal refusal, Map<String, String> headers,
                        String clientAddress, UpgradeGate.Attempt attempt) throws IOException {
        gate.reportRefused(refusal, clientAddress, Optional.of(attempt));
        HttpResponse body = HttpResponse.error(refusal.code());
        headers.forEach(answer::setHeader);
        answer.setStatus(body.status());
        answer.setContentType(body.contentType());
        for (Map.Entry<String, String> h : body.headers().entrySet()) {
            answer.setHeader(h.getKey(), h.getValue());
        }
        answer.setContentLength(body.body().length);
        answer.getOutputStream().write(body.body());
        answer.flushBuffer();
    }

    /** The admitted request, as the container's handshake sees it: with the Roomcast principal. */
    private static final class Admitted extends HttpServletRequestWrapper {
        private final Principal principal;

        Admitted(HttpServletRequest request, Principal principal) {
            super(request);
            this.principal = principal;
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }
    }

    private static boolean hasToken(java.util.Enumeration<String> values, String expected) {
        for (String v : commaList(values)) {
            if (v.toLowerCase(Locale.ROOT).equals(expected)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> commaList(java.util.Enumeration<String> values) {
        List<String> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        while (values.hasMoreElements()) {
            for (String part : values.nextElement().split(",")) {
                String t = part.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** {@code ?room=} values, repeatable and comma-separated, duplicates removed in order (as the native transport). */
    private static List<String> roomsRequested(HttpServletRequest request) {
        String[] values = request.getParameterValues("room");
        if (values == null) {
            return List.of();
        }
        Set<String> rooms = new LinkedHashSet<>();
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                rooms.add(part.trim());
            }
        }
        return List.copyOf(rooms);
    }
}
