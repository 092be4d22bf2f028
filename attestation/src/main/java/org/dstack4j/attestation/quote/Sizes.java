package org.dstack4j.attestation.quote;

/** Length checks for record constructors: a record never holds a field of the wrong size. */
final class Sizes {
    private Sizes() {}

    static void check(String field, byte[] value, int size) {
        if (value.length != size) {
            throw new IllegalArgumentException(field + " must be " + size + " bytes, got " + value.length);
        }
    }
}
