package dev.roomcast.examples.jakarta;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/** The application's own page: the chat client at {@code /}; any other path is a 404. */
public final class PageServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (!path.equals("/") && !path.equals("/index.html")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (InputStream page = PageServlet.class.getResourceAsStream("/page/index.html")) {
            if (page == null) {
                response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                return;
            }
            response.setContentType("text/html; charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            page.transferTo(response.getOutputStream());
        }
    }
}
