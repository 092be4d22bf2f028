package org.dstack4j.cluster.binding;

/** Evidence bytes from the chain are not the protocol's {@code abi.encode(bytes, string, string)}; the message says how. */
public final class EvidenceFormatException extends Exception {
    public EvidenceFormatException(String message) {
        super(message);
    }
}
