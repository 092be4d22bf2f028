package org.dstack4j.cluster.secret;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.dstack4j.chain.Address;

/**
 * A derived elliptic-curve private key (secp256k1 or P-256): the 32-byte big-endian scalar and its public point.
 * The scalar is zeroed by {@link #close()}; {@link #toString()} never shows it.
 */
public final class EcKey implements AutoCloseable {
    private final byte[] scalar;
    private final X9ECParameters curve;
    private final byte[] publicKey;

    EcKey(byte[] scalar, X9ECParameters curve) {
        this.scalar = scalar;
        this.curve = curve;
        this.publicKey = new FixedPointCombMultiplier().multiply(curve.getG(), new BigInteger(1, scalar))
                .normalize().getEncoded(false);
    }

    /** A copy of the 32-byte scalar (for a signer or a TLS stack); the caller zeroes it. */
    public byte[] privateScalar() {
        return scalar.clone();
    }

    /** The uncompressed public point, 65 bytes {@code 04 ‖ x ‖ y}. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The curve order n. */
    public BigInteger order() {
        return curve.getN();
    }

    /** The Ethereum address of the public key (meaningful for secp256k1 keys). */
    public Address ethereumAddress() {
        return Address.ofPublicKey(publicKey);
    }

    @Override
    public void close() {
        Arrays.fill(scalar, (byte) 0);
    }

    @Override
    public String toString() {
        return "EcKey[public=" + java.util.HexFormat.of().formatHex(publicKey) + "]";
    }
}
