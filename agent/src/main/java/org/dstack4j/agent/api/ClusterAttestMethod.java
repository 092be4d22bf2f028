package org.dstack4j.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dstack4j.agent.keys.KeySource;
import org.dstack4j.agent.keys.KeysUnavailableException;
import org.dstack4j.sdk.Hex;

/**
 * {@code ClusterAttest} (cluster mode only): {@code {"data": hex}} (at most {@value GuestApi#MAX_EVENT_PAYLOAD_BYTES}
 * bytes) → the cluster signer's EIP-712 {@code Attestation(appId, keccak256(data))} for this CVM's app:
 * {@code {"app_id": 0x+64 hex, "data_hash": 0x+64 hex, "signature": 0x+130 hex, "signer", "chain_id", "contract"}},
 * which the cluster contract's {@code verifyAttestation(app_id, data, signature)} accepts. The app cannot name
 * another app id: the node signs for its own.
 */
final class ClusterAttestMethod {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KeySource.ChainAttestor attestor;

    ClusterAttestMethod(KeySource.ChainAttestor attestor) {
        this.attestor = attestor;
    }

    ObjectNode call(Params p) throws GuestApiException {
        byte[] data = p.hex("data", GuestApi.MAX_EVENT_PAYLOAD_BYTES);
        KeySource.ChainAttestation a;
        try {
            a = attestor.attest(data);
        } catch (KeysUnavailableException e) {
            throw GuestApiException.unavailable(e.getMessage());
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("app_id", "0x" + Hex.encode(a.appId()));
        out.put("data_hash", "0x" + Hex.encode(a.dataHash()));
        out.put("signature", "0x" + Hex.encode(a.signature()));
        out.put("signer", a.signer());
        out.put("chain_id", a.chainId().toString());
        out.put("contract", a.contract());
        return out;
    }
}
