package org.dstack4j.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import org.dstack4j.cluster.secret.EcKey;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * The cluster's P-256 keys for TLS as JCA key pairs: the per-domain TLS key and the ACME account key, both from
 * {@link KeyDerivation} (HKDF-SHA256 from the cluster secret, label {@code tls} with the domain as context, or
 * {@code acme-account}; the scalar drawn by rejection until {@code 0 < k < n}: docs/cluster-protocol.md "Key
 * derivation"). Every member computes the same pair; the host never sees it. The JCA private key object holds the
 * scalar as a {@code BigInteger}, which cannot be wiped: it lives as long as the serving process.
 */
public final class DomainKeys {
    private static final ECParameterSpec P256 = p256();

    private DomainKeys() {}

    /** The TLS key pair of {@code domain}. */
    public static KeyPair tls(KeyDerivation keys, Domain domain) {
        try (EcKey k = keys.tlsKey(domain.name())) {
            return toJca(k);
        }
    }

    /** The cluster's ACME account key pair (one account for every domain). */
    public static KeyPair acmeAccount(KeyDerivation keys) {
        try (EcKey k = keys.acmeAccountKey()) {
            return toJca(k);
        }
    }

    /** The JCA form of a P-256 key: the public point from the 65-byte uncompressed encoding. */
    static KeyPair toJca(EcKey k) {
        byte[] s = k.privateScalar();
        byte[] pub = k.publicKey();
        try {
            KeyFactory f = KeyFactory.getInstance("EC");
            ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(pub, 1, 33)), new BigInteger(1, Arrays.copyOfRange(pub, 33, 65)));
            return new KeyPair(f.generatePublic(new ECPublicKeySpec(w, P256)), f.generatePrivate(new ECPrivateKeySpec(new BigInteger(1, s), P256)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK refused a P-256 key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(s, (byte) 0);
        }
    }

    private static ECParameterSpec p256() {
        try {
            var g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            return ((ECPublicKey) g.generateKeyPair().getPublic()).getParams();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
