package org.dstack4j.agent.keys;

import java.math.BigInteger;
import java.util.Optional;
import org.dstack4j.agent.pki.AppCa;

/**
 * Where the agent's app keys come from: the local key provider (fixed keys, {@link #fixed}) or a cluster node
 * ({@link org.dstack4j.agent.keys.cluster.ClusterKeySource}). {@code GetKey}, {@code Sign} and {@code GetTlsKey} ask
 * for the keys on every call, so a source may become ready after the agent started (a cluster node joins later).
 */
public interface KeySource {

    /**
     * The keys to derive from now.
     *
     * @throws KeysUnavailableException when the source cannot give them yet (e.g. the cluster node holds no secret)
     */
    Keys keys() throws KeysUnavailableException;

    /** The source's EVM attestation signer, when it has one (cluster mode). */
    default Optional<ChainAttestor> chainAttestor() {
        return Optional.empty();
    }

    /**
     * @param appKeys the app's k256 key and the signature certifying it (the chain's last link)
     * @param appCa   the CA that issues {@code GetTlsKey} certificates
     */
    record Keys(AppKeys appKeys, AppCa appCa) {}

    /**
     * Whether {@link #keys()} answers from memory, without I/O or waiting: only then may key methods run on
     * the server's I/O threads. A source that asks another process (a cluster node) says false.
     */
    default boolean inMemory() {
        return false;
    }

    /** Keys that never change: the local key provider's. */
    static KeySource fixed(AppKeys appKeys, AppCa appCa) {
        Keys keys = new Keys(appKeys, appCa);
        return new KeySource() {
            @Override
            public Keys keys() {
                return keys;
            }

            @Override
            public boolean inMemory() {
                return true;
            }
        };
    }

    /** Signs EIP-712 {@code Attestation(appId, keccak256(data))} with the cluster signer for this CVM's app. */
    interface ChainAttestor {
        /**
         * @param data the app's data, any bytes
         * @throws KeysUnavailableException when the signer cannot sign now
         */
        ChainAttestation attest(byte[] data) throws KeysUnavailableException;
    }

    /**
     * An attestation a contract checks with {@code verifyAttestation(appId, data, signature)}.
     *
     * @param appId     32 bytes: the 20-byte app id left-padded with zeros ({@code bytes32(uint256(uint160(appId)))})
     * @param dataHash  keccak256 of the data
     * @param signature 65 bytes {@code r ‖ s ‖ v}, v ∈ {27, 28}, low s
     * @param signer    the cluster signer's address, 0x-hex
     * @param chainId   the chain of the cluster contract
     * @param contract  the cluster contract's address, 0x-hex
     */
    record ChainAttestation(byte[] appId, byte[] dataHash, byte[] signature, String signer, BigInteger chainId,
            String contract) {}
}
