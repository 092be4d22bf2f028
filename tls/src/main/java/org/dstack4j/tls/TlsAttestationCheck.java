package org.dstack4j.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.cluster.binding.EvidenceFormatException;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.join.ClusterPolicy;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.cluster.join.PolicyValues;
import org.dstack4j.cluster.join.RuntimeLog;
import org.dstack4j.sdk.EventLog;

/**
 * The client's check of an unstoppable-TLS server ({@code dstack4j cluster check-tls URL}): one TLS connection,
 * the certificate it presents, and over that same connection the attestation at {@link TlsAttestation#PATH}. The
 * checks, in order, each named: {@code tls-handshake}, {@code san}, {@code chain} (only with CA roots given),
 * {@code attestation-fetch}, {@code quote-format}, {@code dcap} (Intel's root, or a test root the caller trusts),
 * {@code debug-td}, {@code report-data} (binds the certificate's public key), {@code rtmr3-replay},
 * {@code compose-hash} (the event is SHA-256 of the served app-compose; must be one of the expected hashes when
 * any are given), and with a cluster policy {@code cluster-policy} (the DCAP root, TCB status, measurement of
 * MRTD/RTMR0–2 and the key-provider event, and compose hash are each allowed by the cluster contract, as the join
 * checks require of a member). The first failure ends the run.
 *
 * @param url              {@code https://DOMAIN[:PORT]/}; SNI and the SAN check use its host
 * @param connectTo        where to connect instead of the URL's host (e.g. a loopback address in tests)
 * @param dcap             the DCAP verifier (Intel's root, or a test root)
 * @param collateral       DCAP collateral for the served quote (a file, a PCCS)
 * @param caRoots          CA roots the chain must validate to; empty = the chain is not checked, only the attestation
 * @param expectedCompose  allowed compose hashes (hex); empty = reported, not checked
 * @param policy           the cluster contract's policy (read at a confirmed block); empty = not checked
 * @param timeout          connect and read deadline
 */
public record TlsAttestationCheck(URI url, Optional<InetSocketAddress> connectTo, DcapVerifier dcap, CollateralSource collateral,
        List<X509Certificate> caRoots, Set<String> expectedCompose, Optional<ClusterPolicy> policy, Duration timeout) {
    /** Largest attestation response read (evidence cap plus headers). */
    static final int MAX_RESPONSE = Evidence.MAX_ENCODED_BYTES + 16 * 1024;

    /**
     * The verdict.
     *
     * @param checks     every check run, in order
     * @param leaf       the certificate presented, when the handshake succeeded
     * @param composeHash the compose hash, when reached
     */
    public record Result(List<Check> checks, Optional<X509Certificate> leaf, Optional<String> composeHash) {
        /** True when every check passed. */
        public boolean ok() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
        }
    }

    /** Runs the checks at {@code now}. */
    public Result run(Instant now) {
        List<Check> checks = new ArrayList<>();
        String host = url.getHost();
        int port = url.getPort() < 0 ? 443 : url.getPort();
        InetSocketAddress target = connectTo.orElse(new InetSocketAddress(host, port));
        Capture capture = new Capture();
        byte[] response;
        try (SSLSocket s = socket(capture)) {
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            SSLParameters p = s.getSSLParameters();
            if (!Character.isDigit(host.charAt(host.length() - 1))) p.setServerNames(List.of(new SNIHostName(host)));
            s.setSSLParameters(p);
            s.startHandshake();
            if (capture.chain.length == 0) return done(checks, Check.fail("tls-handshake", "the server presented no certificate"), null, null);
            checks.add(Check.pass("tls-handshake", s.getSession().getProtocol() + " with " + target));
            response = get(s, host);
        } catch (IOException | GeneralSecurityException e) {
            if (capture.chain.length == 0) return done(checks, Check.fail("tls-handshake", "no TLS session with " + target + ": " + e.getMessage()), null, null);
            return done(checks, Check.fail("attestation-fetch", "GET " + TlsAttestation.PATH + " failed: " + e.getMessage()), capture.leaf(), null);
        }
        X509Certificate leaf = capture.leaf();
        String fp = CertificateCheck.fingerprint(leaf);
        List<String> names = CertificateCheck.dnsNames(leaf);
        if (!names.contains(host.toLowerCase(Locale.ROOT))) {
            return done(checks, Check.fail("san", "certificate sha256 " + fp + " does not name " + host + " (it names " + names + ")"), leaf, null);
        }
        checks.add(Check.pass("san", "certificate sha256 " + fp + " names " + host));
        if (!caRoots.isEmpty()) {
            var outcome = new CertificateCheck(caRoots, new Domain(host), leaf.getPublicKey()).check(List.of(capture.chain), now);
            if (outcome instanceof CertificateCheck.Refused r) return done(checks, Check.fail("chain", r.reason()), leaf, null);
            checks.add(Check.pass("chain", "chains to the given CA root"));
        } else {
            checks.add(Check.pass("chain", "not checked (no CA root given): the attestation vouches for the key"));
        }
        Evidence ev;
        try {
            ev = Evidence.decode(response);
        } catch (EvidenceFormatException e) {
            return done(checks, Check.fail("attestation-fetch", "the body of " + TlsAttestation.PATH + " is not evidence: " + e.getMessage()), leaf, null);
        }
        checks.add(Check.pass("attestation-fetch", response.length + " bytes over the same TLS session"));
        TdxQuote quote;
        try {
            quote = TdxQuote.parse(ev.quote());
        } catch (QuoteFormatException e) {
            return done(checks, Check.fail("quote-format", e.getMessage()), leaf, null);
        }
        checks.add(Check.pass("quote-format", "TDX v" + quote.version() + " quote"));
        DcapVerification v;
        try {
            v = dcap.verify(ev.quote(), collateral.collateralFor(ev.quote()), now, true);
        } catch (CollateralSource.CollateralUnavailableException e) {
            return done(checks, Check.fail("dcap", "no collateral for the quote: " + e.getMessage()), leaf, null);
        }
        if (!v.valid()) {
            return done(checks, Check.fail("dcap", v.firstFailure().map(c -> c.name() + ": " + c.detail()).orElse("invalid")), leaf, null);
        }
        checks.add(Check.pass("dcap", "valid at " + now + ", TCB status " + v.status()));
        TdReport td = quote.tdReport();
        if (td.isDebug()) return done(checks, Check.fail("debug-td", "the TD has the DEBUG attribute: the host can read the key"), leaf, null);
        checks.add(Check.pass("debug-td", "not debug"));
        if (!MessageDigest.isEqual(td.reportData(), TlsAttestation.reportData(leaf.getPublicKey()))) {
            return done(checks, Check.fail("report-data", "the quote does not bind the certificate's public key: this TD did not vouch for it"), leaf, null);
        }
        checks.add(Check.pass("report-data", "binds the certificate's public key"));
        EventLog log;
        try {
            log = RuntimeLog.replayed(ev.eventLog(), td);
        } catch (RuntimeLog.Invalid e) {
            return done(checks, Check.fail("rtmr3-replay", e.getMessage()), leaf, null);
        }
        checks.add(Check.pass("rtmr3-replay", log.rtmr3Events().size() + " RTMR3 events replay"));
        Result r = composeCheck(checks, log, ev, leaf);
        if (!r.ok() || policy.isEmpty()) return r;
        return policyCheck(new ArrayList<>(r.checks()), log, td, v.status(), ev, leaf, r.composeHash().orElseThrow());
    }

    /** The contract's allow-lists, as a member's join checks 6, 7, 11 and 12 apply them. */
    private Result policyCheck(List<Check> checks, EventLog log, TdReport td, String tcbStatus, Evidence ev, X509Certificate leaf,
            String composeHex) {
        byte[] measurement;
        try {
            measurement = RuntimeLog.measurement(td, log);
        } catch (RuntimeLog.Invalid e) {
            return done(checks, Check.fail("cluster-policy", e.getMessage()), leaf, composeHex);
        }
        List<Ask> asked = List.of(new Ask("DCAP root", PolicyKind.DCAP_ROOT, PolicyValues.dcapRoot(dcap.trustedRoot())),
                new Ask("TCB status " + tcbStatus, PolicyKind.TCB_STATUS, PolicyValues.tcbStatus(tcbStatus)),
                new Ask("measurement " + HexFormat.of().formatHex(measurement), PolicyKind.MEASUREMENT, measurement),
                new Ask("compose hash " + composeHex, PolicyKind.COMPOSE_HASH, HexFormat.of().parseHex(composeHex)));
        for (Ask q : asked) {
            try {
                if (!policy.get().isAllowed(q.kind(), q.value())) {
                    return done(checks, Check.fail("cluster-policy", q.what() + " is not allowed by the cluster contract"), leaf, composeHex);
                }
            } catch (ClusterPolicy.PolicyUnavailableException e) {
                return done(checks, Check.fail("cluster-policy", "the cluster policy cannot be read: " + e.getMessage()), leaf, composeHex);
            }
        }
        checks.add(Check.pass("cluster-policy", "DCAP root, TCB status, measurement and compose hash are allowed by the cluster contract"));
        return new Result(List.copyOf(checks), Optional.of(leaf), Optional.of(composeHex));
    }

    private Result composeCheck(List<Check> checks, EventLog log, Evidence ev, X509Certificate leaf) {
        byte[] hash;
        try {
            hash = RuntimeLog.composeHash(log, ev.appCompose());
        } catch (RuntimeLog.Invalid e) {
            return done(checks, Check.fail("compose-hash", e.getMessage()), leaf, null);
        }
        String hex = HexFormat.of().formatHex(hash);
        if (!expectedCompose.isEmpty() && !expectedCompose.contains(hex)) {
            return done(checks, Check.fail("compose-hash", hex + " is not one of the expected compose hashes"), leaf, hex);
        }
        checks.add(Check.pass("compose-hash", hex + (expectedCompose.isEmpty() ? " (not compared: no expected hash given)" : " (expected)")));
        return new Result(List.copyOf(checks), Optional.of(leaf), Optional.of(hex));
    }

    /** One policy question: what it is (for the message), its kind and 32-byte value. */
    private record Ask(String what, PolicyKind kind, byte[] value) {}

    private static Result done(List<Check> checks, Check last, X509Certificate leaf, String compose) {
        checks.add(last);
        return new Result(List.copyOf(checks), Optional.ofNullable(leaf), Optional.ofNullable(compose));
    }

    private SSLSocket socket(Capture capture) throws GeneralSecurityException, IOException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {capture}, null);
        return (SSLSocket) ctx.getSocketFactory().createSocket();
    }

    /** One GET over the open TLS session; the body of a 200 with a Content-Length, capped. */
    private byte[] get(Socket s, String host) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + TlsAttestation.PATH + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        Instant end = Instant.now().plus(timeout);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int n;
        while ((n = in.read(chunk)) >= 0) {
            buf.write(chunk, 0, n);
            if (buf.size() > MAX_RESPONSE) throw new IOException("the response is over " + MAX_RESPONSE + " bytes");
            if (Instant.now().isAfter(end)) throw new IOException("the response took over " + timeout);
            if (complete(buf.toByteArray())) break;
        }
        byte[] all = buf.toByteArray();
        int sep = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (sep < 0) throw new IOException("no HTTP response head");
        String head = new String(all, 0, sep, StandardCharsets.ISO_8859_1);
        String status = head.lines().findFirst().orElse("");
        if (!status.matches("HTTP/1\\.[01] 200.*")) throw new IOException("the server answered '" + status.replaceAll("[^\\x20-\\x7e]", "?") + "'");
        int len = contentLength(head);
        if (all.length - sep - 4 < len) throw new IOException("the response ended before its " + len + " bytes");
        return Arrays.copyOfRange(all, sep + 4, sep + 4 + len);
    }

    private static boolean complete(byte[] all) {
        int sep = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (sep < 0) return false;
        try {
            return all.length - sep - 4 >= contentLength(new String(all, 0, sep, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return true;
        }
    }

    private static int contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase("content-length")) {
                try {
                    int len = Integer.parseInt(line.substring(c + 1).trim());
                    if (len < 0 || len > MAX_RESPONSE) throw new IOException("Content-Length " + len + " is out of range");
                    return len;
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length");
                }
            }
        }
        throw new IOException("the attestation response has no Content-Length");
    }

    private static int indexOf(byte[] a, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= a.length; i++) {
            for (int j = 0; j < pat.length; j++) if (a[i + j] != pat[j]) continue outer;
            return i;
        }
        return -1;
    }

    /**
     * Accepts any server certificate during the handshake and keeps it: the key is judged afterwards by the
     * attestation (and by {@code chain} when CA roots are given), before anything from the server is believed.
     */
    private static final class Capture implements X509TrustManager {
        volatile X509Certificate[] chain = new X509Certificate[0];

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("not a server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType) {
            chain = c.clone();
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        X509Certificate leaf() {
            return chain.length == 0 ? null : chain[0];
        }
    }
}
