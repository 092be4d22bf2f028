package org.dstack4j.cluster.node;

import java.security.SecureRandom;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ReportDataBinding;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * The first node, chain-agnostic: draws the secret in memory, derives the cluster's public keys and gives the report
 * data that binds them (with chain, contract, anchor block and node) into its quote for {@code submitGenesis}. The
 * governor audits that quote and bootstraps; the secret never leaves this object but to be sealed to newcomers.
 */
public final class Genesis implements AutoCloseable {
    private final ClusterPin pin;
    private final Address node;
    private final ClusterSecret secret;
    private final ClusterPublicKeys keys;

    private Genesis(ClusterPin pin, Address node, ClusterSecret secret) {
        this.pin = pin;
        this.node = node;
        this.secret = secret;
        this.keys = KeyDerivation.of(secret, pin.cluster()).publicKeys();
    }

    /**
     * @param pin the genesis node's measured pin: chain and contract, no keys yet
     * @throws IllegalArgumentException if the pin already names cluster keys (this is not a genesis node then)
     */
    public static Genesis draw(ClusterPin pin, Address node, SecureRandom random) {
        if (pin.keys().isPresent()) {
            throw new IllegalArgumentException("this node's app-compose pins cluster keys: it joins an existing cluster, it does not start one");
        }
        return new Genesis(pin, Objects.requireNonNull(node, "node"), ClusterSecret.generate(random));
    }

    /** The cluster's public keys ({@code submitGenesis(anchor, signer, encKey, evidence)}). */
    public ClusterPublicKeys keys() {
        return keys;
    }

    /** The 64 bytes of report data binding the keys to the anchor block. */
    public byte[] reportData(byte[] anchorHash) {
        return ReportDataBinding.genesis(pin.cluster(), anchorHash, keys, node);
    }

    /** The secret, for the member role once bootstrapped; destroyed with this object. */
    public ClusterSecret secret() {
        return secret;
    }

    @Override
    public void close() {
        secret.destroy();
    }
}
