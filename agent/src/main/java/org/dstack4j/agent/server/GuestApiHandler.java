package org.dstack4j.agent.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.dstack4j.agent.api.GuestApi;
import org.dstack4j.agent.api.GuestApiException;
import org.dstack4j.agent.api.Params;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * HTTP framing of the guest API: {@code POST /<Method>} (or {@code /v0/<Method>}) with a JSON object body (an empty body is
 * {@code {}}) or {@code GET /<Method>?field=value}; JSON responses; errors as
 * {@code {"error":"…"}} with 400 (bad input, unknown method), 405 (other HTTP methods),
 * 413 (body over the cap) or 500.
 */
final class GuestApiHandler extends Handler.Abstract {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GuestApi api;
    private final int maxBodyBytes;

    GuestApiHandler(GuestApi api, int maxBodyBytes) {
        this.api = api;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = 200;
        ObjectNode body;
        try {
            String method = request.getHttpURI().getPath();
            // "/v0/M" is the same frozen surface in dstack 0.6 clients
            method = method == null ? "" : method.replaceFirst("^/+", "").replaceFirst("^v0/", "");
            Params params = switch (request.getMethod()) {
                case "POST" -> new Params(readJsonBody(request));
                case "GET" -> new Params(queryFields(request));
                default -> null;
            };
            if (params == null) {
                status = 405;
                body = error("HTTP method " + request.getMethod() + " is not supported; use POST or GET");
                response.getHeaders().put(HttpHeader.ALLOW, HttpMethod.GET + ", " + HttpMethod.POST);
            } else {
                body = api.call(method, params);
            }
        } catch (GuestApiException e) {
            status = e.status();
            body = error(e.getMessage());
        } catch (RuntimeException e) {
            status = 500;
            body = error("internal error: " + e.getClass().getSimpleName());
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            status = 500;
            bytes = "{\"error\":\"serializing the response failed\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private ObjectNode readJsonBody(Request request) throws GuestApiException {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            throw GuestApiException.tooLarge("request body is larger than " + maxBodyBytes + " bytes");
        }
        byte[] raw;
        try (InputStream in = Content.Source.asInputStream(request)) {
            raw = in.readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            throw GuestApiException.badRequest("cannot read request body: " + e.getMessage());
        }
        if (raw.length > maxBodyBytes) {
            throw GuestApiException.tooLarge("request body is larger than " + maxBodyBytes + " bytes");
        }
        if (new String(raw, StandardCharsets.UTF_8).isBlank()) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (IOException e) {
            throw GuestApiException.badRequest("request body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw GuestApiException.badRequest("request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static ObjectNode queryFields(Request request) {
        ObjectNode out = JSON.createObjectNode();
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        for (Fields.Field f : fields) {
            out.put(f.getName(), f.getValue());
        }
        return out;
    }

    private static ObjectNode error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", message);
        return n;
    }
}
