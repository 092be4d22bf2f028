package org.dstack4j.attestation.dcap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * Fetches DCAP collateral for a TDX quote from a PCCS or Intel's PCS, with Intel's v4 API (as dcap-qvl's
 * {@code collateral.rs} does):
 * <ul>
 * <li>{@code GET /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der} → PCK CRL, header
 *     {@code SGX-PCK-CRL-Issuer-Chain}</li>
 * <li>{@code GET /tdx/certification/v4/tcb?fmspc=…} → {@code {"tcbInfo":…,"signature":"hex"}}, header
 *     {@code TCB-Info-Issuer-Chain} (or {@code SGX-TCB-Info-Issuer-Chain})</li>
 * <li>{@code GET /tdx/certification/v4/qe/identity?update=standard} → {@code {"enclaveIdentity":…,"signature":"hex"}},
 *     header {@code SGX-Enclave-Identity-Issuer-Chain}</li>
 * <li>{@code GET /sgx/certification/v4/rootcacrl} → root CA CRL (PCCS answers hex; DER and PEM are accepted too);
 *     when that fails, the root CA CRL from Intel's distribution point ({@link IntelRootCa#CRL_URL}) unless disabled</li>
 * </ul>
 * Issuer chains are URL-encoded PEM. The signed {@code tcbInfo}/{@code enclaveIdentity} objects are kept as
 * their exact bytes from the answer, since the signature covers them. Every request has a timeout, every
 * body a size cap, and transient failures (I/O, HTTP 429/5xx) get one retry. Thread-safe.
 *
 * {@snippet :
 * Collateral c = PccsClient.of(URI.create("https://pccs.example.com")).fetch(quoteBytes);
 * }
 */
public final class PccsClient {
    /** Intel's Provisioning Certification Service. */
    public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com");
    /** Default per-request timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Default cap on one answer's body (a PCK CRL is tens of KiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    private static final int ATTEMPTS = 2;
    private static final int MAX_HEADER_CHARS = 64 << 10;

    private final String base;
    private final Duration timeout;
    private final int maxBodyBytes;
    private final Optional<URI> rootCaCrlFallback;
    private final HttpClient http;

    /**
     * @param baseUrl           PCCS/PCS base URL, e.g. {@code https://pccs.example.com}; a trailing
     *                          {@code /sgx/certification/v4} or {@code /tdx/certification/v4} is dropped
     * @param timeout           timeout of each request (and of connecting)
     * @param maxBodyBytes      largest body accepted per answer
     * @param rootCaCrlFallback where to get the root CA CRL when the base URL has no {@code rootcacrl} endpoint
     *                          (Intel's PCS has none); empty to fail instead
     */
    public PccsClient(URI baseUrl, Duration timeout, int maxBodyBytes, Optional<URI> rootCaCrlFallback) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String s = baseUrl.toString();
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        for (String suffix : new String[] {"/sgx/certification/v4", "/tdx/certification/v4"}) {
            if (s.endsWith(suffix)) s = s.substring(0, s.length() - suffix.length());
        }
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new IllegalArgumentException("PCCS URL must be http(s)://…, got " + baseUrl);
        }
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        if (maxBodyBytes <= 0) throw new IllegalArgumentException("maxBodyBytes must be positive");
        this.base = s;
        this.timeout = timeout;
        this.maxBodyBytes = maxBodyBytes;
        this.rootCaCrlFallback = Objects.requireNonNull(rootCaCrlFallback, "rootCaCrlFallback");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** A client with {@link #DEFAULT_TIMEOUT}, {@link #DEFAULT_MAX_BODY_BYTES} and Intel's root CA CRL as fallback. */
    public static PccsClient of(URI baseUrl) {
        return new PccsClient(baseUrl, DEFAULT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, Optional.of(URI.create(IntelRootCa.CRL_URL)));
    }

    /**
     * Collateral for a quote: FMSPC and PCK CA type are read from the PCK certificate in the quote's
     * certification data (type 5 in type 6). The quote's PEM chain is returned as {@code pck_certificate_chain}.
     *
     * @throws PccsException when the quote carries no readable PCK chain, or fetching fails
     */
    public Collateral fetch(byte[] quote) throws PccsException {
        String pem;
        X509Certificate pck;
        try {
            TdxQuote q = TdxQuote.parse(quote);
            pem = q.signatureData().qeReportCertificationData()
                    .flatMap(d -> d.certificationData().pemChain())
                    .orElseThrow(() -> new PccsException("the quote carries no PCK certificate chain (certification data type 5 in 6)"));
            pck = Pem.chain("quote PCK certificate chain", pem).getFirst();
        } catch (QuoteFormatException e) {
            throw new PccsException("quote does not parse: " + e.getMessage());
        } catch (CollateralFormatException | java.security.cert.CertificateException | RuntimeException e) {
            throw new PccsException("the quote's PCK certificate chain does not parse: " + e.getMessage());
        }
        PckExtension ext;
        try {
            ext = PckExtension.parse(pck);
        } catch (VerifyFailure e) {
            throw new PccsException("the quote's PCK certificate: " + e.getMessage());
        }
        String issuer = pck.getIssuerX500Principal().getName().toLowerCase(Locale.ROOT);
        String ca = issuer.contains("platform") ? "platform" : issuer.contains("processor") ? "processor" : null;
        if (ca == null) throw new PccsException("PCK issuer " + pck.getIssuerX500Principal().getName() + " is neither a Platform nor a Processor CA");
        Collateral c = fetch(HexFormat.of().withUpperCase().formatHex(ext.fmspc()), ca);
        return new Collateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(), c.tcbInfoIssuerChain(), c.tcbInfo(),
                c.tcbInfoSignature(), c.qeIdentityIssuerChain(), c.qeIdentity(), c.qeIdentitySignature(), Optional.of(pem));
    }

    /**
     * Collateral for a platform family.
     *
     * @param fmspc 6 bytes as 12 hex digits
     * @param ca    {@code processor} or {@code platform}: the CA that issued the PCK certificate
     * @throws PccsException when a request fails or an answer is malformed
     */
    public Collateral fetch(String fmspc, String ca) throws PccsException {
        if (fmspc == null || !fmspc.matches("[0-9a-fA-F]{12}")) throw new PccsException("FMSPC must be 12 hex digits, got " + fmspc);
        if (!"processor".equals(ca) && !"platform".equals(ca)) throw new PccsException("PCK CA must be processor or platform, got " + ca);

        Answer crl = get(base + "/sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der");
        String crlChain = crl.header("SGX-PCK-CRL-Issuer-Chain");
        byte[] pckCrl = derCrl("pck_crl", crl);

        Answer tcb = get(base + "/tdx/certification/v4/tcb?fmspc=" + fmspc.toUpperCase(Locale.ROOT));
        String tcbChain = tcb.headerOr("TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain");
        Signed tcbInfo = signed(tcb, "tcbInfo");

        Answer qe = get(base + "/tdx/certification/v4/qe/identity?update=standard");
        String qeChain = qe.header("SGX-Enclave-Identity-Issuer-Chain");
        Signed qeIdentity = signed(qe, "enclaveIdentity");

        byte[] rootCrl = rootCaCrl();
        return new Collateral(crlChain, rootCrl, pckCrl, tcbChain, tcbInfo.json(), tcbInfo.signature(), qeChain,
                qeIdentity.json(), qeIdentity.signature(), Optional.empty());
    }

    private byte[] rootCaCrl() throws PccsException {
        String url = base + "/sgx/certification/v4/rootcacrl";
        try {
            return derCrl("root_ca_crl", get(url));
        } catch (PccsException e) {
            if (rootCaCrlFallback.isEmpty()) throw e;
            try {
                return derCrl("root_ca_crl", get(rootCaCrlFallback.get().toString()));
            } catch (PccsException fallback) {
                fallback.addSuppressed(e);
                throw fallback;
            }
        }
    }

    private record Answer(String url, byte[] body, HttpResponse<?> response) {
        String header(String name) throws PccsException {
            String v = response.headers().firstValue(name)
                    .orElseThrow(() -> PccsException.at(url, "answer lacks the " + name + " header"));
            if (v.length() > MAX_HEADER_CHARS) throw PccsException.at(url, name + " header exceeds " + MAX_HEADER_CHARS + " characters");
            try {
                return URLDecoder.decode(v, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw PccsException.at(url, name + " header is not URL-encoded PEM");
            }
        }

        String headerOr(String name, String alternative) throws PccsException {
            return response.headers().firstValue(name).isPresent() ? header(name) : header(alternative);
        }
    }

    private record Signed(String json, byte[] signature) {}

    private Answer get(String url) throws PccsException {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            // not e's message: it quotes the whole URL, which atOrigin() must not show
            throw PccsException.at(url, "bad PCCS URL: " + (e.getCause() instanceof java.net.URISyntaxException x
                    ? x.getReason() + " at index " + x.getIndex() : "not a usable http(s) URI"));
        }
        PccsException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                byte[] body = readBody(url, r.body());
                if (body.length > maxBodyBytes) throw PccsException.at(url, "answer exceeds " + maxBodyBytes + " bytes");
                int status = r.statusCode();
                if (status == 200) return new Answer(url, body, r);
                last = PccsException.at(url, "HTTP " + status);
                if (status != 429 && status < 500) throw last;
            } catch (IOException e) {
                last = PccsException.at(url, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw PccsException.at(url, "interrupted", e);
            }
        }
        throw last;
    }

    /** Reads at most {@code maxBodyBytes + 1} bytes within the timeout (the request timeout only covers the headers). */
    private byte[] readBody(String url, InputStream in) throws IOException, InterruptedException, PccsException {
        try (in) {
            CompletableFuture<byte[]> body = new CompletableFuture<>();
            Thread.ofVirtual().name("pccs-body").start(() -> {
                try {
                    body.complete(in.readNBytes(maxBodyBytes + 1));
                } catch (IOException | RuntimeException e) {
                    body.completeExceptionally(e);
                }
            });
            try {
                return body.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw PccsException.at(url, "answer body not received within " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
    }

    /** A CRL body as DER: DER as is, PEM decoded, hex (what PCCS serves for the root CA CRL) decoded. */
    private static byte[] derCrl(String field, Answer a) throws PccsException {
        byte[] b = a.body();
        String text = new String(b, 0, Math.min(b.length, 16), StandardCharsets.US_ASCII);
        try {
            if (text.startsWith("-----BEGIN")) return CollateralJson.pemToDer(field, new String(b, StandardCharsets.US_ASCII));
            if (b.length > 0 && b[0] == 0x30) return b;
            String hex = new String(b, StandardCharsets.US_ASCII).strip();
            if (hex.matches("[0-9a-fA-F]+") && hex.length() % 2 == 0) return HexFormat.of().parseHex(hex);
        } catch (CollateralFormatException e) {
            throw PccsException.at(a.url(), e.getMessage());
        }
        throw PccsException.at(a.url(), field + " is neither DER, PEM nor hex");
    }

    /** The exact bytes of the top-level object {@code field} and the hex {@code signature} beside it. */
    private static Signed signed(Answer a, String field) throws PccsException {
        byte[] body = a.body();
        String json = null;
        String sig = null;
        try (JsonParser p = new JsonFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw PccsException.at(a.url(), "answer is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals(field) && t == JsonToken.START_OBJECT) {
                    long start = p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    long end = p.currentLocation().getByteOffset();
                    json = new String(Arrays.copyOfRange(body, (int) start, (int) end), StandardCharsets.UTF_8);
                } else if (name.equals("signature") && t == JsonToken.VALUE_STRING) {
                    sig = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw PccsException.at(a.url(), "answer is not valid JSON: " + e.getMessage());
        }
        if (json == null) throw PccsException.at(a.url(), "answer lacks the " + field + " object");
        if (!json.startsWith("{") || !json.endsWith("}")) throw PccsException.at(a.url(), "could not isolate the " + field + " bytes");
        if (sig == null || !sig.matches("[0-9a-fA-F]{128}")) {
            throw PccsException.at(a.url(), "signature must be 128 hex digits (ECDSA P-256 r‖s)");
        }
        return new Signed(json, HexFormat.of().parseHex(sig));
    }
}
