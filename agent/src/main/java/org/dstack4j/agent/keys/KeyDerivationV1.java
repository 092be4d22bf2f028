package org.dstack4j.agent.keys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * dstack's v1 key derivation and key claim (Dstack-TEE/dstack {@code docs/guest-api-v1.md}, "Key
 * derivation" and "The signature chain"), with {@code LP(x) = u32_be(len(x)) ‖ x}:
 * <ul>
 *   <li>key = HKDF-SHA256(salt = {@code "dstack-guest-v1"}, ikm = app root k256 key,
 *       info = LP("dstack-guest-v1-key") ‖ LP(algorithm) ‖ LP(domain)), 32 bytes;</li>
 *   <li>claim = LP("dstack-guest-v1-key-claim") ‖ LP(algorithm) ‖ LP(domain) ‖ LP(public key), signed by
 *       the app root key over its Keccak-256 (recoverable, 65 bytes).</li>
 * </ul>
 * Algorithms are exactly {@code secp256k1} and {@code ed25519}: no default, no alias.
 */
public final class KeyDerivationV1 {
    private static final byte[] SALT = "dstack-guest-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_TAG = "dstack-guest-v1-key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLAIM_TAG = "dstack-guest-v1-key-claim".getBytes(StandardCharsets.US_ASCII);

    private KeyDerivationV1() {}

    /**
     * The 32 derived bytes (secp256k1 scalar or ed25519 seed).
     *
     * @param appRootKey 32-byte app root secp256k1 key
     * @param algorithm  {@code secp256k1} or {@code ed25519}
     * @param domain     the caller's domain bytes (UTF-8 of the request string)
     */
    public static byte[] deriveKey(byte[] appRootKey, String algorithm, byte[] domain) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(appRootKey, SALT, lp(KEY_TAG, ascii(algorithm), domain)));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, 32);
        return out;
    }

    /** The claim bytes the app root key signs (over their Keccak-256) as link 0 of the chain. */
    public static byte[] claim(String algorithm, byte[] domain, byte[] publicKey) {
        return lp(CLAIM_TAG, ascii(algorithm), domain, publicKey);
    }

    /** Link 0: the app root key's recoverable signature (r ‖ s ‖ v, 65 bytes) over Keccak-256 of the claim. */
    public static byte[] claimSignature(byte[] appRootKey, String algorithm, byte[] domain, byte[] publicKey) {
        return K256.signRecoverable(appRootKey, K256.keccak256(claim(algorithm, domain, publicKey)));
    }

    /** {@code LP(a) ‖ LP(b) ‖ …}. */
    static byte[] lp(byte[]... fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : fields) {
            int n = f.length;
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
