package org.dstack4j.cluster.node;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.ReportDataBinding;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.secret.X25519KeyPair;

/**
 * A CVM asking to join, chain-agnostic: it makes an X25519 key pair in memory for this one request, gives the
 * report data its quote must carry, and when an onboard answer arrives (read from the chain at a confirmed depth)
 * opens it and accepts the secret only if the keys it derives are the contract's AND the ones pinned in its own
 * measured app-compose (docs/cluster-protocol.md "The newcomer, after Onboarded"). {@link #close()} zeroes the key.
 */
public final class Newcomer implements AutoCloseable {
    private final ClusterPin pin;
    private final ClusterPublicKeys pinned;
    private final Address node;
    private final X25519KeyPair key;

    private Newcomer(ClusterPin pin, ClusterPublicKeys pinned, Address node, X25519KeyPair key) {
        this.pin = pin;
        this.pinned = pinned;
        this.node = node;
        this.key = key;
    }

    /**
     * Starts one join attempt.
     *
     * @param pin  this node's own measured pin; must carry the cluster keys (only the genesis node has none)
     * @param node this node's address (from the agent's {@code GetKey("dstack4j/cluster/node/v1")})
     * @throws IllegalArgumentException if the pin has no cluster keys
     */
    public static Newcomer start(ClusterPin pin, Address node, SecureRandom random) {
        Objects.requireNonNull(node, "node");
        ClusterPublicKeys pinned = pin.keys().orElseThrow(() -> new IllegalArgumentException(
                "this node's app-compose pins no cluster signer/enc_key, so it cannot join (only the genesis compose has none):"
                        + " deploy this CVM with an app-compose whose dstack4j_cluster also has \"signer\" and \"enc_key\""
                        + " (`dstack4j cluster status` prints both), and allow that compose hash in the policy"));
        return new Newcomer(pin, pinned, node, X25519KeyPair.generate(random));
    }

    /** The request's encryption key (32 bytes), for {@code requestJoin}. */
    public byte[] encKey() {
        return key.publicKey();
    }

    /** The node address. */
    public Address node() {
        return node;
    }

    /** The 64 bytes of report data to ask the agent's quote for, bound to the anchor block's hash. */
    public byte[] reportData(byte[] anchorHash) {
        return ReportDataBinding.join(pin.cluster(), anchorHash, key.publicKey(), node);
    }

    /** What became of an onboard answer. */
    public sealed interface Outcome permits Joined, NotForUs, WrongSecret {}

    /** The secret, verified to be the cluster's; the caller owns and eventually destroys it. */
    public record Joined(ClusterSecret secret, ClusterPublicKeys keys) implements Outcome {
        @Override
        public String toString() {
            return "Joined[" + keys + "]";
        }
    }

    /** {@code sealed} did not open for this request (another key, request, epoch, evidence, or altered bytes). */
    public record NotForUs(OnboardSeal.Failure failure) implements Outcome {}

    /** It opened, but the secret does not derive the cluster's keys: discarded (reported as {@code wrong-secret}). */
    public record WrongSecret(String reason) implements Outcome {}

    /**
     * Handles the {@code Onboarded} event of this request.
     *
     * @param requestId    the request's id
     * @param epoch        the contract's epoch
     * @param evidenceHash the request's evidence hash (the HPKE aad)
     * @param sealed       the event's {@code sealed}
     * @param onChain      the contract's {@code clusterSigner} and {@code clusterEncKey}
     */
    public Outcome onOnboarded(BigInteger requestId, long epoch, byte[] evidenceHash, byte[] sealed, ClusterPublicKeys onChain) {
        OnboardSeal.Opened opened = OnboardSeal.open(sealed, key, new SealContext(pin.cluster(), requestId, epoch, evidenceHash));
        if (opened instanceof OnboardSeal.Refused r) return new NotForUs(r.failure());
        ClusterSecret secret = ((OnboardSeal.Secret) opened).secret();
        ClusterPublicKeys derived = KeyDerivation.of(secret, pin.cluster()).publicKeys();
        if (!derived.equals(onChain)) {
            secret.destroy();
            return new WrongSecret("the secret derives " + derived + " but the contract holds " + onChain);
        }
        if (!derived.equals(pinned)) {
            secret.destroy();
            return new WrongSecret("the secret derives " + derived + " but this node's measured app-compose pins " + pinned);
        }
        return new Joined(secret, derived);
    }

    @Override
    public void close() {
        key.close();
    }
}
