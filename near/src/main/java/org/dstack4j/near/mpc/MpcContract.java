package org.dstack4j.near.mpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dstack4j.near.rpc.NearError;
import org.dstack4j.near.rpc.NearRpc;
import org.dstack4j.near.rpc.NearRpcException;

/**
 * Typed views of NEAR's MPC contract (near/mpc {@code crates/contract/src/lib.rs}, versions 3.11–3.14), read through
 * {@link NearRpc} at final finality. Hashes come back as 64 lowercase hex characters; a view the deployed version
 * does not have fails with {@link NearError.ContractError} naming the method.
 */
public final class MpcContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NearRpc rpc;
    private final String account;

    /** @param account the contract's account, e.g. {@code v1.signer} */
    public MpcContract(NearRpc rpc, String account) {
        this.rpc = rpc;
        this.account = account;
    }

    public String account() {
        return account;
    }

    public NearRpc rpc() {
        return rpc;
    }

    /** Calls any view; {@code args} may be null for none. Returns the method's JSON answer. */
    public JsonNode view(String method, ObjectNode args) throws NearRpcException {
        byte[] argBytes = (args == null ? "{}" : args.toString()).getBytes(StandardCharsets.UTF_8);
        byte[] out = rpc.viewFunction(account, method, argBytes);
        try {
            JsonNode n = JSON.readTree(out);
            if (n == null) throw new IOException("empty");
            return n;
        } catch (IOException e) {
            throw new NearRpcException(new NearError.Malformed(rpc.endpoint(), "view " + method, "the contract's answer is not JSON"));
        }
    }

    /** {@code allowed_docker_image_hashes}: both answer shapes, see {@link AllowedImage}. */
    public List<AllowedImage> allowedImages() throws NearRpcException {
        JsonNode n = view("allowed_docker_image_hashes", null);
        try {
            return AllowedImage.parseList(n);
        } catch (IllegalArgumentException e) {
            throw new NearRpcException(new NearError.Malformed(rpc.endpoint(), "view allowed_docker_image_hashes", e.getMessage()));
        }
    }

    /** {@code allowed_launcher_image_hashes}: 64-hex launcher image digests. */
    public List<String> allowedLauncherImages() throws NearRpcException {
        return hexList("allowed_launcher_image_hashes");
    }

    /** {@code allowed_launcher_compose_hashes}: SHA-256 (64 hex) of each rendered launcher compose the contract allows. */
    public List<String> allowedLauncherComposeHashes() throws NearRpcException {
        return hexList("allowed_launcher_compose_hashes");
    }

    /** {@code allowed_os_measurements}: {@code [{mrtd, rtmr0, rtmr1, rtmr2, key_provider_event_digest}]}, 96 hex each. */
    public JsonNode allowedOsMeasurements() throws NearRpcException {
        JsonNode n = view("allowed_os_measurements", null);
        if (!n.isArray()) throw malformed("allowed_os_measurements", "not an array");
        return n;
    }

    /** {@code state()}: {@code {"Running": {...}}}, {@code {"Resharing": ...}}, … as the contract serialises it. */
    public JsonNode state() throws NearRpcException {
        return view("state", null);
    }

    /** {@code version()}. */
    public ContractVersion version() throws NearRpcException {
        JsonNode n = view("version", null);
        if (!n.isTextual()) throw malformed("version", "not a string");
        try {
            return ContractVersion.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw malformed("version", e.getMessage());
        }
    }

    /** {@code get_tee_accounts}: {@code [{account_id, tls_public_key, account_public_key}]}. */
    public JsonNode teeAccounts() throws NearRpcException {
        return view("get_tee_accounts", null);
    }

    /** {@code get_attestation(tls_public_key)}: the verified attestation of that node, or JSON null. */
    public JsonNode attestation(String tlsPublicKey) throws NearRpcException {
        ObjectNode args = JSON.createObjectNode().put("tls_public_key", tlsPublicKey);
        return view("get_attestation", args);
    }

    private List<String> hexList(String method) throws NearRpcException {
        JsonNode n = view(method, null);
        if (!n.isArray()) throw malformed(method, "not an array");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual() || !AllowedImage.HEX64.matcher(e.textValue()).matches()) throw malformed(method, "entry " + i + " is not 64 hex");
            out.add(e.textValue());
        }
        return List.copyOf(out);
    }

    private NearRpcException malformed(String method, String why) {
        return new NearRpcException(new NearError.Malformed(rpc.endpoint(), "view " + method, why));
    }
}
