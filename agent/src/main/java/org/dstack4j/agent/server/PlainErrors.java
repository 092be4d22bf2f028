package org.dstack4j.agent.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself (a malformed or ambiguous URI, e.g. {@code /logs/..%2Fx}) as one plain-text line
 * {@code <status> <reason>}, never its HTML error page with the request echoed back.
 */
final class PlainErrors extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ERROR_STATUS) instanceof Integer i ? i : response.getStatus();
        if (status < 400 || status > 599) status = 500;
        Object message = request.getAttribute(ERROR_MESSAGE);
        String text = status + " " + (message instanceof String m && !m.isBlank() ? m : HttpStatus.getMessage(status));
        // printable ASCII only: the message may quote the request
        text = text.replaceAll("[^\\x20-\\x7e]", "?") + "\n";
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
