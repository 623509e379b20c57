package dev.roomcast.transport.undertow.jakarta;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.internal.UpgradeGate;
import dev.roomcast.transport.undertow.internal.UpgradeRequestParser;
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
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The upgrade contract in front of the Jakarta endpoint: a servlet filter, because a filter can still
 * answer with a status and a JSON body, while the WebSocket configurator cannot ({@code HandshakeResponse}
 * has headers only, and {@code checkOrigin} answers a bare 403). For a WebSocket upgrade request it asks
 * the native transport's {@link UpgradeGate}, which runs the same checks in the same order: query
 * escapes, method, upgrade headers, version 13, key, subprotocol, origin, room names, token, room
 * authorization, inbound rate, capacity. The filter reads the raw query string, never the container's
 * decoded parameters, so the query means the same here as natively. A refusal is answered here
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
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse answer)) {
            chain.doFilter(request, response);
            return;
        }
        ServletRequestView view = new ServletRequestView(http);
        if (!UpgradeRequestParser.asksForWebSocket(view)) {
            chain.doFilter(request, response);
            return;
        }
        UpgradeGate.Attempt attempt = gate.attempt(Optional.ofNullable(http.getHeader("traceparent")),
                Optional.ofNullable(http.getHeader("tracestate")));
        String clientAddress = Optional.ofNullable(http.getRemoteAddr()).orElse("unknown");
        // 0.-8a. what the request says, then whether the hub runs: checked here as natively, since
        // containers accept more (Undertow's also speaks the drafts 07 and 08) and answer without the JSON body
        UpgradeRequestParser.Parsed parsed;
        switch (gate.check(view)) {
            case UpgradeRequestParser.Refusal refused -> {
                reject(answer, refused, clientAddress, attempt);
                return;
            }
            case UpgradeRequestParser.Parsed ok -> parsed = ok;
        }
        // 8b. token, 9. rooms, 9b. inbound rate, 10. capacity: reserved before the handshake
        JakartaConnection connection;
        switch (gate.admit(clientAddress, parsed,
                (id, identity, rate) -> new JakartaConnection(id, identity, clientAddress, services, rate))) {
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

    /** Answers the refusal with its status, headers and the contract's JSON body. */
    private void reject(HttpServletResponse answer, UpgradeRequestParser.Refusal refusal, String clientAddress,
                        UpgradeGate.Attempt attempt) throws IOException {
        gate.reportRefused(refusal, clientAddress, Optional.of(attempt));
        HttpResponse body = HttpResponse.error(refusal.code());
        refusal.headers().forEach(answer::setHeader);
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

    /** The parser's view of a servlet request: the headers as the container hands them, the query as it came. */
    private record ServletRequestView(HttpServletRequest http) implements UpgradeRequestParser.RequestView {
        @Override
        public String method() {
            return http.getMethod();
        }

        @Override
        public Collection<String> headers(String name) {
            Enumeration<String> values = http.getHeaders(name);
            return values == null ? List.of() : Collections.list(values);
        }

        @Override
        public String rawQuery() {
            String query = http.getQueryString(); // not decoded, by the servlet specification
            return query == null ? "" : query;
        }
    }
}
