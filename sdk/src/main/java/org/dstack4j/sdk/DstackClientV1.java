package org.dstack4j.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Client for dstack 0.6's versioned guest API, {@code /v1/<Method>} on the same socket
 * (Dstack-TEE/dstack {@code docs/guest-api-v1.md}); obtain it with {@link DstackClient#v1()}. Its methods
 * mirror the official SDKs' v1 client: {@code getKey(domain, algorithm)}, {@code issueCert},
 * {@code attest}, {@code info}, {@code version}. There is no sign, verify, quote or event method in v1.
 *
 * <p>v1 keys are not v0 keys: the derivation binds the algorithm and its own salt, so
 * {@code v1().getKey("x", "secp256k1")} differs from {@code getKey("x", …, "secp256k1")}.
 *
 * {@snippet :
 * try (DstackClient dstack = DstackClient.discover()) {
 *     DstackClientV1 v1 = dstack.v1();
 *     GetKeyV1Response k = v1.getKey("wallet/eth", "secp256k1");   // key, public_key, 2-link chain
 *     AttestResponse a = v1.attest(sha256(k.publicKey()));        // MessagePack attestation document
 *     InfoV1Response info = v1.info();                            // app_compose verbatim
 *     GetTlsKeyResponse cert = v1.issueCert(TlsKeyRequest.forSubject("app.example"));
 * }
 * }
 * Errors are {@link DstackException}s; {@link DstackException.ErrorStatus} carries the status (400 for bad
 * input, 404 with {@code Service not found} for a method v1 lacks).
 */
public final class DstackClientV1 implements AutoCloseable {
    private final DstackClient client;

    DstackClientV1(DstackClient client) {
        this.client = client;
    }

    /**
     * {@code GetKey}: the key for {@code (domain, algorithm)} under the v1 derivation.
     *
     * @param domain    any string naming the key (length-prefixed into the KDF; {@code a/b} is not a child of {@code a})
     * @param algorithm exactly {@code secp256k1} or {@code ed25519} (no default, no alias)
     * @throws DstackException if the call fails (400 for another algorithm) or the answer lacks {@code key}
     */
    public GetKeyV1Response getKey(String domain, String algorithm) throws DstackException {
        ObjectNode req = Json.MAPPER.createObjectNode()
                .put("domain", Objects.requireNonNull(domain, "domain"))
                .put("algorithm", Objects.requireNonNull(algorithm, "algorithm"));
        return client.read("v1/GetKey", req, f -> new GetKeyV1Response(f.requiredHex("key"), f.hex("public_key"),
                f.hexList("signature_chain")));
    }

    /**
     * {@code IssueCert}: a fresh key with a certificate (v0's GetTlsKey, renamed).
     *
     * @throws DstackException if the call fails or the answer lacks {@code key}
     */
    public GetTlsKeyResponse issueCert(TlsKeyRequest request) throws DstackException {
        return client.tlsKey("v1/IssueCert", request);
    }

    /**
     * {@code Attest}: the versioned attestation document (MessagePack form) over {@code reportData}.
     *
     * @param reportData at most 64 bytes (zero-padded by the agent)
     * @throws IllegalArgumentException if {@code reportData} is longer than 64 bytes (checked before any I/O)
     * @throws DstackException          if the call fails
     */
    public AttestResponse attest(byte[] reportData) throws DstackException {
        return client.attest("v1/Attest", reportData);
    }

    /** {@code Info}: identity and configuration (no measurements: those come from {@link #attest}). */
    public InfoV1Response info() throws DstackException {
        return client.read("v1/Info", Json.MAPPER.createObjectNode(), f -> new InfoV1Response(f.string("app_id"),
                f.string("app_name"), f.string("compose_hash"), f.string("app_compose"), f.string("instance_id"),
                f.string("device_id"), f.string("os_image_hash"), f.string("mr_aggregated"), f.string("vm_config"),
                f.string("key_provider_info"), f.string("cloud_vendor"), f.string("cloud_product")));
    }

    /** {@code Version}: the agent's version and revision. */
    public VersionResponse version() throws DstackException {
        return client.read("v1/Version", Json.MAPPER.createObjectNode(),
                f -> new VersionResponse(f.requiredString("version"), f.string("rev")));
    }

    /**
     * Whether the agent serves v1, by dstack's probe rule: {@code /v1/Version} answers 200; a 404 whose
     * body is not {@code Service not found} means an agent without v1 (false).
     *
     * @throws DstackException if the agent cannot be reached or answers otherwise
     */
    public boolean isAvailable() throws DstackException {
        try {
            version();
            return true;
        } catch (DstackException.ErrorStatus e) {
            if (e.status() == 404 && !e.serverMessage().contains("Service not found")) return false;
            throw e;
        }
    }

    /** Closes the underlying {@link DstackClient} (shared with the client this view came from). */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "DstackClientV1[" + client.endpoint().describe() + "]";
    }
}
