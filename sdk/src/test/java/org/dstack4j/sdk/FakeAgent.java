package org.dstack4j.sdk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;

/** A real Jetty server on a unix socket that records requests and answers with a scripted reply. */
final class FakeAgent implements AutoCloseable {

    record Seen(String method, String path, String host, String contentType, String body) {}

    /** status, body chunks (written separately, so several chunks means no Content-Length), delay before answering. */
    record Reply(int status, List<String> chunks, long delayMillis) {
        static Reply ok(String json) {
            return new Reply(200, List.of(json), 0);
        }
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    volatile Function<Seen, Reply> script = s -> Reply.ok("{}");
    private final Server server = new Server();
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    final Path socket;

    FakeAgent(Path socket) throws Exception {
        this.socket = socket;
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server);
        connector.setUnixDomainPath(socket);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                Seen s = new Seen(request.getMethod(), request.getHttpURI().getPath(),
                        request.getHeaders().get(HttpHeader.HOST), request.getHeaders().get(HttpHeader.CONTENT_TYPE), body);
                seen.add(s);
                Reply r = script.apply(s);
                // a delayed reply ends early when the agent closes, so a long delay costs the test nothing
                if (r.delayMillis() > 0) closing.await(r.delayMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                response.setStatus(r.status());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                List<String> chunks = r.chunks();
                for (int i = 0; i < chunks.size() - 1; i++) {
                    Callback.Completable done = new Callback.Completable();
                    response.write(false, java.nio.ByteBuffer.wrap(chunks.get(i).getBytes(StandardCharsets.UTF_8)), done);
                    done.get();
                }
                Content.Sink.write(response, true, chunks.getLast(), callback);
                return true;
            }
        });
        server.start();
    }

    DstackClient client() {
        return DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).build();
    }

    @Override
    public void close() {
        closing.countDown();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("fake agent did not stop", e);
        }
    }
}
