package org.dstack4j.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.keys.KeysUnavailableException;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.sdk.EventLogEntry;

/**
 * GetTlsKey: a fresh random P-256 key and a certificate from the key provider's app CA, as dstack
 * issues them. With {@code usage_ra_tls} the certificate carries dstack's legacy RA-TLS extensions:
 * a quote (OID 1.3.6.1.4.1.62397.1.1) whose report_data is {@code SHA-512("ratls-cert:" ‖ SPKI DER)}
 * and the RTMR3 event log (…62397.1.2, JSON); {@code with_app_info} adds the app id (…62397.1.3).
 * Extension values are DER OCTET STRINGs. Defaults: valid from now for 365 days.
 */
final class TlsKeyMethod {
    static final String OID_TDX_QUOTE = "1.3.6.1.4.1.62397.1.1";
    static final String OID_EVENT_LOG = "1.3.6.1.4.1.62397.1.2";
    static final String OID_APP_ID = "1.3.6.1.4.1.62397.1.3";
    private static final int MAX_ALT_NAMES = 64;
    private static final int MAX_NAME_BYTES = 253;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TeeBackend backend;
    private final KeySource source;

    TlsKeyMethod(TeeBackend backend, KeySource source) {
        this.backend = backend;
        this.source = source;
    }

    ObjectNode call(Params p) throws GuestApiException, TeeException {
        AppCa ca = appCa();
        return issue(p, ca, ca.newKeyPair(), true);
    }

    /** The app CA now; a source that is not ready (cluster node without the secret) is a 503. */
    private AppCa appCa() throws GuestApiException {
        try {
            return source.keys().appCa();
        } catch (KeysUnavailableException e) {
            throw GuestApiException.unavailable(e.getMessage());
        }
    }

    /**
     * Issues a certificate for {@code keyPair} from the request fields, by the source's current app CA.
     *
     * @param withOptions whether {@code not_before}, {@code not_after} and {@code with_app_info} are read
     *                    and {@code usage_server_auth} defaults to true (GetTlsKey, IssueCert); Tappd's
     *                    DeriveKey has none of them and, as dstack's proto3 bool, defaults it to false
     */
    ObjectNode issue(Params p, KeyPair keyPair, boolean withOptions) throws GuestApiException, TeeException {
        return issue(p, appCa(), keyPair, withOptions);
    }

    private ObjectNode issue(Params p, AppCa ca, KeyPair keyPair, boolean withOptions) throws GuestApiException, TeeException {
        String subject = p.string("subject").orElse("");
        List<String> altNames = p.strings("alt_names", MAX_ALT_NAMES);
        for (String n : List.of(subject)) {
            checkName("subject", n);
        }
        for (String n : altNames) {
            if (n.isEmpty()) throw GuestApiException.badRequest("alt_names entries must not be empty");
            checkName("alt_names", n);
        }
        Instant notBefore = (withOptions ? p.unsigned("not_before") : java.util.Optional.<Long>empty())
                .map(Instant::ofEpochSecond).orElse(Instant.now());
        Instant notAfter = (withOptions ? p.unsigned("not_after") : java.util.Optional.<Long>empty())
                .map(Instant::ofEpochSecond).orElse(notBefore.plus(Duration.ofDays(365)));
        if (!notAfter.isAfter(notBefore)) {
            throw GuestApiException.badRequest("not_after must be later than not_before");
        }
        Map<String, byte[]> extensions = new LinkedHashMap<>();
        if (p.bool("usage_ra_tls", false)) {
            byte[] reportData = sha512(concat("ratls-cert:".getBytes(StandardCharsets.US_ASCII),
                    keyPair.getPublic().getEncoded()));
            TeeBackend.QuoteEvidence evidence = backend.quote(reportData);
            List<EventLogEntry> rt3 = evidence.eventLog().stream().filter(e -> e.imr() == 3)
                    .map(e -> new EventLogEntry(e.imr(), e.eventType(), "", e.event(), e.eventPayload())).toList();
            extensions.put(OID_TDX_QUOTE, evidence.quote());
            try {
                extensions.put(OID_EVENT_LOG, JSON.writeValueAsBytes(rt3));
            } catch (JsonProcessingException e) {
                throw GuestApiException.internal("serializing the event log failed");
            }
        }
        if (withOptions && p.bool("with_app_info", false)) {
            extensions.put(OID_APP_ID, appId(backend.measurements().eventLog()));
        }
        AppCa.IssuedTlsKey issued;
        try {
            issued = ca.issue(keyPair, new AppCa.TlsRequest(subject, altNames, p.bool("usage_server_auth", withOptions),
                    p.bool("usage_client_auth", false), notBefore, notAfter, extensions));
        } catch (IllegalArgumentException e) {
            throw GuestApiException.badRequest("cannot issue the certificate: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw GuestApiException.internal(e.getMessage());
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("key", issued.keyPem());
        ArrayNode chain = out.putArray("certificate_chain");
        issued.certificateChain().forEach(chain::add);
        return out;
    }

    private static void checkName(String field, String n) throws GuestApiException {
        if (n.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES
                || n.codePoints().anyMatch(Character::isISOControl)) {
            throw GuestApiException.badRequest(field + " entries must be at most " + MAX_NAME_BYTES
                    + " bytes without control characters");
        }
    }

    private static byte[] appId(List<EventLogEntry> log) {
        for (EventLogEntry e : log) {
            if (e.imr() == 3 && e.event().equals("app-id")) return e.payloadBytes();
        }
        return new byte[0];
    }

    private static byte[] sha512(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is mandatory in every JDK", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
