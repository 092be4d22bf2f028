package org.dstack4j.near.tx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.dstack4j.attestation.evidence.Base58;

/**
 * A NEAR full-access or function-call key: an Ed25519 key pair. Parsed from NEAR's text form
 * {@code ed25519:<base58 of seed ‖ public key (64 bytes)>} (or of the 32-byte seed alone). {@link #toString()} never
 * shows the secret.
 */
public final class Ed25519Key {
    /** Largest key file read: 64 KiB. */
    public static final int MAX_KEY_FILE = 64 * 1024;
    private static final String PREFIX = "ed25519:";

    private final Ed25519PrivateKeyParameters secret;
    private final byte[] publicKey;

    private Ed25519Key(byte[] seed) {
        this.secret = new Ed25519PrivateKeyParameters(seed, 0);
        this.publicKey = secret.generatePublicKey().getEncoded();
    }

    /**
     * @throws IllegalArgumentException when the text is not {@code ed25519:<base58>} of 32 or 64 bytes, or the 64-byte
     *                                  form's public half does not belong to its seed (messages never quote the key)
     */
    public static Ed25519Key parse(String text) {
        if (!text.startsWith(PREFIX)) throw new IllegalArgumentException("a NEAR private key starts with \"ed25519:\"");
        byte[] raw = Base58.decode(text.substring(PREFIX.length()));
        if (raw.length != 32 && raw.length != 64) {
            throw new IllegalArgumentException("a NEAR private key is 32 or 64 bytes, this one is " + raw.length);
        }
        Ed25519Key key = new Ed25519Key(Arrays.copyOf(raw, 32));
        if (raw.length == 64 && !Arrays.equals(key.publicKey, Arrays.copyOfRange(raw, 32, 64))) {
            throw new IllegalArgumentException("the private key's public half does not match its seed");
        }
        return key;
    }

    /**
     * Reads a NEAR CLI credentials file ({@code ~/.near-credentials/<network>/<account>.json}):
     * {@code {"account_id": …, "public_key": "ed25519:…", "private_key": "ed25519:…"}} ({@code secret_key} is accepted
     * for {@code private_key}).
     *
     * @throws IllegalArgumentException naming the file and what is wrong, never the key
     */
    public static KeyFile readKeyFile(Path file) {
        byte[] bytes;
        try {
            // read at most the cap, whatever the size says: a FIFO reports 0 and a file may grow meanwhile
            if (Files.exists(file) && !Files.isRegularFile(file)) throw new IllegalArgumentException("key file " + file + " is not a regular file");
            try (java.io.InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_KEY_FILE + 1);
            }
            if (bytes.length > MAX_KEY_FILE) throw new IllegalArgumentException("key file " + file + " is over " + MAX_KEY_FILE + " bytes");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("key file " + file + " is not JSON");
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("key file " + file + " is not a JSON object");
        JsonNode sk = root.hasNonNull("private_key") ? root.get("private_key") : root.get("secret_key");
        if (sk == null || !sk.isTextual()) throw new IllegalArgumentException("key file " + file + " has no \"private_key\" string");
        Ed25519Key key;
        try {
            key = parse(sk.textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key file " + file + ": " + e.getMessage());
        }
        JsonNode pk = root.get("public_key");
        if (pk != null && pk.isTextual() && !pk.textValue().equals(key.publicKeyText())) {
            throw new IllegalArgumentException("key file " + file + ": \"public_key\" does not belong to \"private_key\"");
        }
        JsonNode account = root.get("account_id");
        return new KeyFile(account != null && account.isTextual() ? account.textValue() : null, key);
    }

    /**
     * A parsed credentials file.
     *
     * @param accountId the file's {@code account_id}, or null when absent
     * @param key       the key pair
     */
    public record KeyFile(String accountId, Ed25519Key key) {}

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** {@code ed25519:<base58 of the 32-byte public key>}. */
    public String publicKeyText() {
        return PREFIX + Base58.encode(publicKey);
    }

    /** The 64-byte Ed25519 signature of {@code message}. */
    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, secret);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    @Override
    public String toString() {
        return "Ed25519Key[" + publicKeyText() + "]";
    }
}
