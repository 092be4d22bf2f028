package org.dstack4j.agent.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;

/** Test client: Jetty's HttpClient over the agent's unix socket, as an app in the CVM would call it. */
final class AgentClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Status and parsed JSON body. */
    record Reply(int status, JsonNode body) {}

    private final HttpClient http = new HttpClient();
    private final Path socket;

    AgentClient(Path socket) throws Exception {
        this.socket = socket;
        http.start();
    }

    Reply post(String method, String json) throws Exception {
        Request r = http.newRequest("http://dstack/" + method).transport(new Transport.TCPUnix(socket))
                .method(HttpMethod.POST).timeout(20, TimeUnit.SECONDS);
        if (json != null) {
            r.body(new StringRequestContent("application/json", json));
        }
        return reply(r.send());
    }

    /** POSTs raw bytes, for bodies a String cannot spell (malformed UTF-8, UTF-16). */
    Reply postBytes(String method, byte[] body) throws Exception {
        return reply(http.newRequest("http://dstack/" + method).transport(new Transport.TCPUnix(socket))
                .method(HttpMethod.POST).timeout(20, TimeUnit.SECONDS)
                .body(new BytesRequestContent("application/json", body)).send());
    }

    Reply get(String pathAndQuery) throws Exception {
        return reply(http.newRequest("http://dstack/" + pathAndQuery).transport(new Transport.TCPUnix(socket))
                .method(HttpMethod.GET).timeout(20, TimeUnit.SECONDS).send());
    }

    Reply send(HttpMethod method, String path) throws Exception {
        return reply(http.newRequest("http://dstack/" + path).transport(new Transport.TCPUnix(socket))
                .method(method).timeout(20, TimeUnit.SECONDS).send());
    }

    private static Reply reply(ContentResponse r) throws Exception {
        String ct = r.getHeaders().get("Content-Type");
        if (ct == null || !ct.startsWith("application/json")) {
            throw new AssertionError("response is not JSON: " + ct);
        }
        return new Reply(r.getStatus(), JSON.readTree(r.getContentAsString()));
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }
}
