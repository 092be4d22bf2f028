package org.dstack4j.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.node.Attestor;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * Unstoppable TLS as a node's long-running job (what {@code dstack4j cluster node --tls-domain …} runs next to the
 * member loop): waits until the node holds the secret and sees itself among the members, derives the domain's keys,
 * then every {@code recheck} asks {@link UnstoppableTls#certificate()} (stored, or ordered when its turn in the
 * election has come, renewed when due) and serves HTTPS with it; a renewed chain replaces the served one without a
 * restart. Failures are reported and retried at the next round; the job ends on {@link #close()}.
 *
 * <p>Reports one JSON object per line to {@code out}, public values only: {@code tls-certificate} (a chain accepted:
 * leaf SHA-256, notAfter, whether this member ordered it), {@code tls-serving} (the address), {@code tls-renewed},
 * {@code tls-error} (why no certificate yet).
 */
public final class TlsMember implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Access to the node's key derivation while it holds the secret ({@code NodeDaemon::withDerivation}). */
    public interface Derivations {
        /** {@code use} applied to the derivation, or empty while the node holds no secret; {@code use} must not keep it. */
        <T> Optional<T> with(Function<KeyDerivation, T> use);
    }

    /**
     * @param listen  where the site listens (0.0.0.0:443 in a CVM)
     * @param app     the handler of every path but the attestation ({@link AppProxy})
     * @param recheck how often the certificate is checked and renewed
     */
    public record Serving(InetSocketAddress listen, HttpHandler app, Duration recheck) {}

    private final UnstoppableTls.Settings settings;
    private final Serving serving;
    private final Derivations derivations;
    private final Supplier<List<Address>> members;
    private final Address me;
    private final Attestor attestor;
    private final Http01Responder responder;
    private final Consumer<String> out;
    private volatile boolean stopped;
    private volatile TlsServer server;
    private final Object lock = new Object();

    public TlsMember(UnstoppableTls.Settings settings, Serving serving, Derivations derivations, Supplier<List<Address>> members,
            Address me, Attestor attestor, Http01Responder responder, Consumer<String> out) {
        this.settings = settings;
        this.serving = serving;
        this.derivations = derivations;
        this.members = members;
        this.me = me;
        this.attestor = attestor;
        this.responder = responder;
        this.out = out;
    }

    /** Runs until {@link #close()}; returns then (or when interrupted). */
    public void run() {
        UnstoppableTls tls = null;
        try {
            while (!stopped) {
                try {
                    if (tls == null) tls = start();
                    if (tls != null) round(tls);
                } catch (RuntimeException e) {
                    // a bug or an odd input must not end the job for good: report it and retry next round; only the type
                    // and place are shown, as a message might quote key material
                    StackTraceElement[] at = e.getStackTrace();
                    String where = at.length == 0 ? "" : " at " + at[0].getClassName() + "." + at[0].getMethodName() + ":" + at[0].getLineNumber();
                    emit("tls-error", o -> o.put("domain", settings.domain().name()).put("error", "unexpected " + e.getClass().getName() + where));
                }
                pause(tls == null ? settings.pollInterval() : serving.recheck());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The job's TLS once this node holds the secret and is a member; null before. */
    private UnstoppableTls start() {
        if (!members.get().contains(me)) return null;
        return derivations.with(k -> new UnstoppableTls(settings, k, me, members, attestor, responder, Clock.systemUTC())).orElse(null);
    }

    private void round(UnstoppableTls tls) throws InterruptedException {
        CertificateCheck.Accepted a;
        try {
            a = tls.certificate();
        } catch (UnstoppableTls.TlsException e) {
            emit("tls-error", o -> o.put("domain", settings.domain().name()).put("error", e.getMessage()));
            return;
        }
        boolean ordered = tls.orderedHere(a);
        synchronized (lock) {
            if (stopped) return;
            TlsServer s = server;
            if (s != null && s.chain().equals(a.chain())) return;
            emit("tls-certificate", o -> o.put("domain", settings.domain().name()).put("sha256", CertificateCheck.fingerprint(a.chain().getFirst()))
                    .put("not_after", a.chain().getFirst().getNotAfter().toInstant().toString()).put("ordered", ordered));
            if (s != null) {
                s.replace(a);
                emit("tls-renewed", o -> o.put("domain", settings.domain().name()));
                return;
            }
            try {
                server = tls.serve(serving.listen(), a, serving.app());
                emit("tls-serving", o -> o.put("domain", settings.domain().name()).put("address", hostPort(server.address())));
            } catch (UnstoppableTls.TlsException | IOException e) {
                emit("tls-error", o -> o.put("domain", settings.domain().name()).put("error", "cannot serve on " + hostPort(serving.listen()) + ": " + e.getMessage()));
            }
        }
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private void pause(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (!stopped && System.nanoTime() < end) Thread.sleep(Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }

    /** Stops the job and the site. */
    @Override
    public void close() {
        stopped = true;
        synchronized (lock) {
            TlsServer s = server;
            server = null;
            if (s != null) s.close();
        }
    }

    private void emit(String event, Consumer<ObjectNode> fill) {
        ObjectNode o = JSON.createObjectNode().put("event", event);
        fill.accept(o);
        out.accept(o.toString());
    }
}
