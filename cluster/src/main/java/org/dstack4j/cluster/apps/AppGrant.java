package org.dstack4j.cluster.apps;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.Secp256k1;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.EcKey;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * What a cluster-mode agent gets for one app (docs/cluster-apps.md), derived from the cluster secret:
 * <ul>
 *   <li>{@code appKey}: the app's secp256k1 key = the per-app root {@code derive("app-root", appId, 32)} (refused in
 *       the 2^-128 case that it is not a valid scalar);</li>
 *   <li>{@code appKeySignature}: the cluster signer's recoverable signature (65 bytes, v ∈ {0, 1}) over
 *       {@code keccak256("dstack-kms-issued:" ‖ appId ‖ compressed app public key)}, the form of dstack's KMS, so a
 *       GetKey/Sign signature chain ends in the cluster signer;</li>
 *   <li>{@code tlsCaSeed}: {@code derive("app-tls-ca", appId, 32)}, the seed of the app CA every member shares.</li>
 * </ul>
 * Secret: {@link #toString()} prints no key; {@link #destroy()} zeroes the arrays.
 */
public record AppGrant(byte[] appId, byte[] appKey, byte[] appKeySignature, byte[] tlsCaSeed, Address signer,
        ClusterRef cluster) {
    /** Label of the app CA seed (beside the protocol's {@code app-root}). */
    public static final String TLS_CA_LABEL = "app-tls-ca";

    /** Derives the grant for {@code appId} (20 bytes). */
    public static AppGrant derive(KeyDerivation kd, ClusterRef cluster, byte[] appId) {
        byte[] root = kd.appRoot(appId);
        try {
            return grant(kd, cluster, appId, root);
        } catch (RuntimeException e) {
            Arrays.fill(root, (byte) 0); // on success the grant owns it (destroy())
            throw e;
        }
    }

    private static AppGrant grant(KeyDerivation kd, ClusterRef cluster, byte[] appId, byte[] root) {
        BigInteger k = new BigInteger(1, root);
        if (k.signum() == 0 || k.compareTo(Secp256k1.N) >= 0) {
            throw new IllegalStateException("the per-app root is not a secp256k1 scalar (probability 2^-128)");
        }
        byte[] compressed = compress(SigningKey.of(root).publicKey());
        byte[] message = concat("dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII), appId, compressed);
        byte[] sig;
        Address signer;
        try (EcKey s = kd.signerKey()) {
            byte[] scalar = s.privateScalar();
            try {
                SigningKey key = SigningKey.of(scalar);
                sig = key.sign(Keccak.keccak256(message)).toBytes();
                signer = key.address();
            } finally {
                Arrays.fill(scalar, (byte) 0);
            }
        }
        sig[64] -= 27; // dstack's recoverable form: v ∈ {0, 1}
        return new AppGrant(appId.clone(), root, sig, kd.derive(TLS_CA_LABEL, appId, 32), signer, cluster);
    }

    /** Zeroes the key and the CA seed. */
    public void destroy() {
        Arrays.fill(appKey, (byte) 0);
        Arrays.fill(tlsCaSeed, (byte) 0);
    }

    @Override
    public String toString() {
        return "AppGrant[appId=" + java.util.HexFormat.of().formatHex(appId) + ", signer=" + signer + ", keys=<secret>]";
    }

    static byte[] compress(byte[] uncompressed65) {
        byte[] out = Arrays.copyOfRange(uncompressed65, 0, 33);
        out[0] = (byte) ((uncompressed65[64] & 1) == 0 ? 0x02 : 0x03);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        return org.bouncycastle.util.Arrays.concatenate(parts);
    }
}
