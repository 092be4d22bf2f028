package org.dstack4j.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;

/**
 * How a member's quote vouches for the TLS key it serves: {@code reportData = SHA-256(uint16_be(len(tag)) ‖ tag ‖
 * SPKI) ‖ 32 zero bytes}, with {@code tag = "dstack4j/tls/attestation/v1"} and SPKI the DER SubjectPublicKeyInfo of
 * the served certificate's key. Served at {@value #PATH} on the same HTTPS server (the body is the cluster's
 * {@code Evidence} encoding: {@code abi.encode(bytes quote, string eventLog, string appCompose)}), so a client reads
 * it over the very TLS session whose certificate it checks. The quote is fresh per server start, not per client:
 * the binding proves which TD holds the key, not when (the key is long-lived; a nonce would add nothing an attacker
 * without the key could use).
 */
public final class TlsAttestation {
    /** The HTTPS path of the attestation. */
    public static final String PATH = "/.well-known/dstack-attestation";
    /** The domain tag of the report data. */
    public static final String TAG = "dstack4j/tls/attestation/v1";

    private TlsAttestation() {}

    /** The 64 report-data bytes that bind {@code key}. */
    public static byte[] reportData(PublicKey key) {
        byte[] tag = TAG.getBytes(StandardCharsets.US_ASCII);
        byte[] spki = key.getEncoded();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(ByteBuffer.allocate(2 + tag.length + spki.length).putShort((short) tag.length).put(tag).put(spki).array());
            return Arrays.copyOf(h, 64);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
