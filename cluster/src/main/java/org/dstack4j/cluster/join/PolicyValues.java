package org.dstack4j.cluster.join;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import org.dstack4j.chain.Keccak;

/** The 32-byte policy values of docs/cluster-protocol.md "Policy", built from what a quote and its evidence show. */
public final class PolicyValues {
    private PolicyValues() {}

    /**
     * MEASUREMENT: {@code keccak256(mrtd ‖ rtmr0 ‖ rtmr1 ‖ rtmr2 ‖ keyProviderDigest)}, five 48-byte values, the last
     * the event digest of the {@code key-provider} RTMR3 event.
     */
    public static byte[] measurement(byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, byte[] keyProviderDigest) {
        for (byte[] r : new byte[][] {mrtd, rtmr0, rtmr1, rtmr2, keyProviderDigest}) {
            if (r.length != 48) throw new IllegalArgumentException("a measurement register or event digest is 48 bytes, got " + r.length);
        }
        return Keccak.keccak256(mrtd, rtmr0, rtmr1, rtmr2, keyProviderDigest);
    }

    /** TCB_STATUS: {@code keccak256(bytes(status))}, e.g. of {@code "UpToDate"}. */
    public static byte[] tcbStatus(String status) {
        return Keccak.keccak256(status.getBytes(StandardCharsets.UTF_8));
    }

    /** DCAP_ROOT: SHA-256 of the root certificate's DER. */
    public static byte[] dcapRoot(X509Certificate root) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(root.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 and DER encoding are always available", e);
        }
    }

    /** SHA-256 of text (UTF-8): COMPOSE_HASH of an app-compose, LAUNCHER_COMPOSE_HASH of a launcher compose. */
    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
