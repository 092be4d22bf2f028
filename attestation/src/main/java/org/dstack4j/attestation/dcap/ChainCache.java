package org.dstack4j.attestation.dcap;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed PEM certificate chains by their exact text, so the PCK chain every quote of a platform carries is
 * parsed once per {@link PreparedCollateral}. Only the parsing is remembered: the chain is verified (signatures
 * from the {@link SignatureCache}, validity, revocation) on every use. Chains that fail to parse are not kept.
 * Bounded: past {@link #MAX_ENTRIES} chains it stops remembering.
 */
final class ChainCache {
    static final int MAX_ENTRIES = 16;

    private final ConcurrentHashMap<String, List<X509Certificate>> chains = new ConcurrentHashMap<>();

    /** {@link Pem#chain(String, String)}, remembered; the list and its certificates are immutable. */
    List<X509Certificate> chain(String field, String pem) throws CollateralFormatException, CertificateException {
        List<X509Certificate> known = chains.get(pem);
        if (known != null) return known;
        List<X509Certificate> parsed = Pem.chain(field, pem);
        if (chains.size() < MAX_ENTRIES) chains.putIfAbsent(pem, parsed);
        return parsed;
    }
}
