package org.dstack4j.attestation;

/**
 * One named check of a verification, as shown in a verdict: {@code dstack4j verify} lists every
 * check with its outcome, and a failed one says why in {@code detail}.
 *
 * @param name   stable kebab-case identifier, e.g. {@code quote-signature}, {@code rtmr3-replay}
 * @param ok     whether the check passed
 * @param detail what was found (on success) or what was wrong (on failure); never a secret
 */
public record Check(String name, boolean ok, String detail) {
    public static Check pass(String name, String detail) {
        return new Check(name, true, detail);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, false, detail);
    }
}
