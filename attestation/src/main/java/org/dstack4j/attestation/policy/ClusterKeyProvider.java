package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key provider of a CVM whose agent serves the keys of a dstack4j cluster (docs/cluster-apps.md): its
 * {@code key-provider} RTMR3 event keeps dstack's shape, {@code {"name":…,"id":…}} (so every reader of that event
 * still parses it), with name {@value #NAME} and as id the cluster contract as a CAIP-10 account id,
 * {@code eip155:<chain id>:0x<40 lowercase hex>}. A verifier tells a cluster-keyed CVM from a local-key one by the
 * name, and which cluster by the id.
 *
 * @param chainId  the EVM chain id, positive
 * @param contract the cluster contract, {@code 0x} and 40 lowercase hex digits
 */
public record ClusterKeyProvider(long chainId, String contract) {
    /** The {@code name} of a cluster key provider. */
    public static final String NAME = "dstack4j-cluster";
    /** The app-compose field that pins the cluster (chain id and contract among other values). */
    public static final String COMPOSE_FIELD = "dstack4j_cluster";

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{40}");
    private static final Pattern ID = Pattern.compile("eip155:([1-9][0-9]{0,18}):(0x[0-9a-f]{40})");

    /** @throws IllegalArgumentException when the chain id is not positive or the contract is not an address */
    public ClusterKeyProvider {
        if (chainId <= 0) throw new IllegalArgumentException("the chain id must be positive, got " + chainId);
        contract = contract == null ? "" : contract.toLowerCase(Locale.ROOT);
        if (!ADDRESS.matcher(contract).matches()) {
            throw new IllegalArgumentException("the cluster contract must be 0x and 40 hex digits");
        }
    }

    /** The CAIP-10 id, {@code eip155:<chain id>:<contract>}. */
    public String id() {
        return "eip155:" + chainId + ":" + contract;
    }

    /** As a generic key provider (what measurement sets compare). */
    public KeyProvider keyProvider() {
        return new KeyProvider(NAME, id());
    }

    /** The event payload: the bytes of dstack's serde output for {@code KeyProviderInfo{name, id}}. */
    public String payloadJson() {
        return "{\"name\":\"" + NAME + "\",\"id\":\"" + id() + "\"}";
    }

    /**
     * The cluster a key provider names.
     *
     * @return empty when it is not a cluster key provider ({@code local-sgx}, {@code kms}, {@code none}…)
     * @throws IllegalArgumentException when its name is {@value #NAME} but its id is not a CAIP-10 id of a contract
     */
    public static Optional<ClusterKeyProvider> of(KeyProvider kp) {
        if (!NAME.equals(kp.name())) return Optional.empty();
        Matcher m = ID.matcher(kp.id());
        if (!m.matches()) {
            throw new IllegalArgumentException("a " + NAME + " key provider's id must be eip155:<chain id>:0x<40 lowercase hex>");
        }
        try {
            return Optional.of(new ClusterKeyProvider(Long.parseLong(m.group(1)), m.group(2)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the chain id in a " + NAME + " key provider's id is out of range");
        }
    }

    /**
     * The cluster an app-compose pins: its {@value #COMPOSE_FIELD} object's {@code chain_id} and {@code contract}.
     *
     * @return empty when the compose pins no cluster
     * @throws IllegalArgumentException naming the field when the compose or the pin is malformed
     */
    public static Optional<ClusterKeyProvider> fromAppCompose(byte[] appCompose) {
        JsonNode root;
        try {
            root = PolicyJson.MAPPER.readTree(new String(appCompose, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the app-compose is not JSON");
        }
        JsonNode pin = root == null ? null : root.get(COMPOSE_FIELD);
        if (pin == null) return Optional.empty();
        JsonNode chain = pin.path("chain_id");
        JsonNode contract = pin.path("contract");
        if (!chain.isIntegralNumber() || !chain.canConvertToLong() || !contract.isTextual()) {
            throw new IllegalArgumentException("app-compose " + COMPOSE_FIELD + " needs chain_id (a positive integer) and contract (0x and 40 hex digits)");
        }
        return Optional.of(new ClusterKeyProvider(chain.longValue(), contract.textValue()));
    }
}
