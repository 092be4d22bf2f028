package org.dstack4j.measure.tdx;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.dstack4j.measure.InputFiles;

/** SHA-384, the digest of every TDX measurement register and event. */
final class Sha384 {
    static final int SIZE = 48;

    private Sha384() {}

    static byte[] of(byte[] data) {
        return InputFiles.newDigest("SHA-384").digest(data);
    }

    static byte[] of(String ascii) {
        return of(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    static MessageDigest digest() {
        return InputFiles.newDigest("SHA-384");
    }

    /** RTMR extend: {@code SHA-384(register ‖ digest)}. */
    static byte[] extend(byte[] register, byte[] digest) {
        MessageDigest md = digest();
        md.update(register);
        md.update(digest);
        return md.digest();
    }
}
