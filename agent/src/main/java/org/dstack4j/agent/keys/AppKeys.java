package org.dstack4j.agent.keys;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The app's key material as dstack's key provider hands it to the agent: the app's secp256k1 key
 * and the KMS signature certifying it.
 *
 * <p>Secret: {@link #toString()} never prints the key.
 *
 * @param k256Key       32-byte secp256k1 secret key of the app
 * @param k256Signature 65-byte recoverable KMS signature over
 *                      {@code Keccak-256("dstack-kms-issued:" ‖ app_id ‖ app_pubkey_sec1)}
 */
public record AppKeys(byte[] k256Key, byte[] k256Signature) {
    private static final byte[] RATLS_SALT = "RATLS".getBytes(StandardCharsets.US_ASCII);

    public AppKeys {
        if (!K256.isValidSecret(k256Key) || k256Signature.length != 65) {
            throw new IllegalArgumentException("app keys need a valid 32-byte k256 key and a 65-byte signature");
        }
        k256Key = k256Key.clone();
        k256Signature = k256Signature.clone();
    }

    /**
     * A simulated KMS issuing the app key: app key = {@code derive_key(kms_root, [app_id, "app-key"])}
     * and the KMS root signs {@code Keccak-256("dstack-kms-issued:" ‖ app_id ‖ app_pubkey_sec1)},
     * as dstack's KMS certifies app keys.
     *
     * @param kmsRootKey 32-byte secp256k1 KMS root key
     * @param appId      20-byte app id
     */
    public static AppKeys issuedBy(byte[] kmsRootKey, byte[] appId) {
        byte[] appKey = deriveKey(kmsRootKey, concat(appId, "app-key".getBytes(StandardCharsets.US_ASCII)));
        byte[] message = concat("dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII), appId, K256.publicKey(appKey));
        return new AppKeys(appKey, K256.signRecoverable(kmsRootKey, K256.keccak256(message)));
    }

    /**
     * dstack's {@code ra_tls::kdf::derive_key}: HKDF-SHA256(salt = "RATLS", ikm, info), 32 bytes.
     */
    public static byte[] deriveKey(byte[] ikm, byte[] info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, RATLS_SALT, info));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, 32);
        return out;
    }

    @Override
    public byte[] k256Key() {
        return k256Key.clone();
    }

    @Override
    public byte[] k256Signature() {
        return k256Signature.clone();
    }

    @Override
    public String toString() {
        return "AppKeys[k256Key=<secret>]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AppKeys k && Arrays.equals(k.k256Key, k256Key) && Arrays.equals(k.k256Signature, k256Signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(k256Signature);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
