package org.dstack4j.attestation.dcap;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Remembers signature verification results by (SHA-256 of the signed object, SHA-256 of the key), so a
 * {@link PreparedCollateral} verified many times checks each CRL, issuer chain and signed document once.
 * Results do not depend on time (validity windows are checked on every call). Bounded: past
 * {@link #MAX_ENTRIES} entries it stops remembering, so quotes from many platforms cannot grow it.
 */
final class SignatureCache {
    static final int MAX_ENTRIES = 256;

    private final ConcurrentHashMap<String, Boolean> results = new ConcurrentHashMap<>();

    boolean verify(byte[] signedObject, PublicKey key, BooleanSupplier check) {
        String k = sha256(signedObject) + ":" + sha256(key.getEncoded());
        Boolean known = results.get(k);
        if (known != null) return known;
        boolean ok = check.getAsBoolean();
        if (results.size() < MAX_ENTRIES) results.put(k, ok);
        return ok;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
