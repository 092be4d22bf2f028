package org.dstack4j.cluster.secret;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.binding.ClusterRef;

/**
 * Every cluster key, derived from the {@link ClusterSecret} as docs/cluster-protocol.md "Key derivation" fixes:
 * {@code derive(label, context, L) = HKDF-SHA256(ikm = secret, salt = clusterId, info = lp("dstack4j/cluster/v1")
 * ‖ lp(label) ‖ lp(context), L)} with {@code lp(x) = uint16_be(len(x)) ‖ x}. Elliptic-curve scalars are drawn by
 * rejection ({@code context ‖ uint32_be(i)} for i = 0, 1, … until {@code 0 < k < n}); the X25519 key is clamped.
 * Every returned array is fresh; callers zero private material when done.
 */
public final class KeyDerivation {
    /** The first {@code lp} of every info string. */
    public static final String DOMAIN = "dstack4j/cluster/v1";
    static final String SIGNER = "signer";
    static final String ENCRYPTION = "encryption";
    static final String APP_ROOT = "app-root";
    static final String TLS = "tls";
    static final String ACME_ACCOUNT = "acme-account";
    static final String VOLUME = "volume";
    static final String DISK = "disk";

    private static final X9ECParameters SECP256K1 = CustomNamedCurves.getByName("secp256k1");
    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    /** Bound on rejection rounds: a round is rejected with chance about 2^-128 on secp256k1 and 2^-32 on P-256 (n ≈ 2^256 - 2^224), so 256 rounds never run out in practice. */
    private static final int MAX_ROUNDS = 256;

    private final ClusterSecret secret;
    private final byte[] clusterId;

    private KeyDerivation(ClusterSecret secret, byte[] clusterId) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.clusterId = clusterId;
    }

    /** Derivation for the cluster {@code ref} (salt = its {@link ClusterRef#clusterId()}). */
    public static KeyDerivation of(ClusterSecret secret, ClusterRef ref) {
        return new KeyDerivation(secret, ref.clusterId());
    }

    /**
     * The raw HKDF output for a label and context.
     *
     * @param label   UTF-8 label, at most 65535 bytes
     * @param context raw context bytes, at most 65535
     * @param length  output length in bytes, 1..8160 (HKDF-SHA256's limit)
     */
    public byte[] derive(String label, byte[] context, int length) {
        if (length < 1 || length > 255 * 32) throw new IllegalArgumentException("HKDF-SHA256 output is 1..8160 bytes, got " + length);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret.live(), clusterId, info(label, context)));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    /** {@code lp("dstack4j/cluster/v1") ‖ lp(label) ‖ lp(context)}. */
    static byte[] info(String label, byte[] context) {
        byte[] d = DOMAIN.getBytes(StandardCharsets.UTF_8);
        byte[] l = label.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(6 + d.length + l.length + context.length);
        lp(b, d);
        lp(b, l);
        lp(b, context);
        return b.array();
    }

    private static void lp(ByteBuffer b, byte[] x) {
        if (x.length > 0xffff) throw new IllegalArgumentException("a length-prefixed field is at most 65535 bytes, got " + x.length);
        b.putShort((short) x.length).put(x);
    }

    /** The cluster signer (secp256k1): signs onboard/reject answers and attestations; its address is the contract's {@code clusterSigner}. */
    public EcKey signerKey() {
        return new EcKey(scalar(SIGNER, new byte[0], SECP256K1), SECP256K1);
    }

    /** The cluster X25519 key pair (HPKE to the cluster); its public half is the contract's {@code clusterEncKey}. */
    public X25519KeyPair encryptionKey() {
        return X25519KeyPair.fromPrivate(X25519KeyPair.clamp(derive(ENCRYPTION, new byte[0], 32)));
    }

    /** The public keys the contract and the compose pin hold: signer address and encryption public key. */
    public ClusterPublicKeys publicKeys() {
        try (EcKey s = signerKey(); X25519KeyPair e = encryptionKey()) {
            return new ClusterPublicKeys(s.ethereumAddress(), e.publicKey());
        }
    }

    /** Per-app root (32 bytes) for the agent's GetKey/GetTlsKey/Sign; {@code appId} is 20 bytes. */
    public byte[] appRoot(byte[] appId) {
        if (appId.length != 20) throw new IllegalArgumentException("an app id is 20 bytes, got " + appId.length);
        return derive(APP_ROOT, appId, 32);
    }

    /**
     * The P-256 key of "unstoppable TLS" for a domain (ASCII; upper case is folded to lower case, as DNS does).
     *
     * @throws IllegalArgumentException if the domain is empty or not ASCII
     */
    public EcKey tlsKey(String domain) {
        if (domain == null || domain.isEmpty() || !StandardCharsets.US_ASCII.newEncoder().canEncode(domain)) {
            throw new IllegalArgumentException("a TLS domain is non-empty ASCII (punycode for international names)");
        }
        byte[] d = domain.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return new EcKey(scalar(TLS, d, P256), P256);
    }

    /** The ACME account key (P-256). */
    public EcKey acmeAccountKey() {
        return new EcKey(scalar(ACME_ACCOUNT, new byte[0], P256), P256);
    }

    /** The shared key (32 bytes) of an encrypted volume every member mounts. */
    public byte[] volumeKey(String volume) {
        return derive(VOLUME, volume.getBytes(StandardCharsets.UTF_8), 32);
    }

    /** A node's own disk key (32 bytes) for a volume: context = node address ‖ volume name. */
    public byte[] diskKey(Address node, String volume) {
        byte[] name = volume.getBytes(StandardCharsets.UTF_8);
        byte[] ctx = Arrays.copyOf(node.bytes(), 20 + name.length);
        System.arraycopy(name, 0, ctx, 20, name.length);
        return derive(DISK, ctx, 32);
    }

    /** {@code k = derive(label, context ‖ uint32_be(i), 32)} for i = 0, 1, … until 0 < k < n. */
    private byte[] scalar(String label, byte[] context, X9ECParameters curve) {
        BigInteger n = curve.getN();
        for (int i = 0; i < MAX_ROUNDS; i++) {
            byte[] ctx = ByteBuffer.allocate(context.length + 4).put(context).putInt(i).array();
            byte[] k = derive(label, ctx, 32);
            BigInteger v = new BigInteger(1, k);
            if (v.signum() > 0 && v.compareTo(n) < 0) return k;
            Arrays.fill(k, (byte) 0);
        }
        throw new IllegalStateException("no " + label + " scalar in " + MAX_ROUNDS + " rounds (impossible for a sound HKDF)");
    }
}
