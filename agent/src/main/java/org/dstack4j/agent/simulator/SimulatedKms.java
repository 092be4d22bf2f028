package org.dstack4j.agent.simulator;

import java.math.BigInteger;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.util.BigIntegers;
import org.dstack4j.agent.keys.AppKeys;
import org.dstack4j.agent.keys.K256;
import org.dstack4j.agent.pki.SeedKdf;

/** The simulator's stand-in for dstack's KMS: a secp256k1 root key derived from the seed. */
final class SimulatedKms {
    private SimulatedKms() {}

    /** 32-byte secp256k1 root secret: (48 derived bytes mod (n - 1)) + 1. */
    static byte[] rootKey(SeedKdf kdf) {
        BigInteger n = CustomNamedCurves.getByName("secp256k1").getN();
        BigInteger d = new BigInteger(1, kdf.derive("kms-root-k256", 48)).mod(n.subtract(BigInteger.ONE))
                .add(BigInteger.ONE);
        return BigIntegers.asUnsignedByteArray(32, d);
    }

    /** SEC1 compressed root public key, 33 bytes (the {@code id} of a {@code kms} key-provider event). */
    static byte[] rootPublicKey(SeedKdf kdf) {
        return K256.publicKey(rootKey(kdf));
    }

    /** App keys the simulated KMS issues for an app id. */
    static AppKeys appKeys(SeedKdf kdf, byte[] appId) {
        return AppKeys.issuedBy(rootKey(kdf), appId);
    }
}
