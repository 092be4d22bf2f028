package org.dstack4j.cluster.contract;

import com.esaulpaugh.headlong.abi.Tuple;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Abi;

/**
 * The evidence a join or genesis request carries: {@code abi.encode(bytes quote, string eventLog, string appCompose)}
 * (docs/cluster-protocol.md, "Evidence").
 *
 * @param quote the TDX quote (v4/v5)
 * @param eventLog the event log JSON as the guest agent returns it
 * @param appCompose the app-compose JSON text
 */
public record Evidence(byte[] quote, String eventLog, String appCompose) {
    private static final String TYPES = "(bytes,string,string)";

    public Evidence {
        quote = quote.clone();
    }

    @Override
    public byte[] quote() {
        return quote.clone();
    }

    /** The calldata form. */
    public byte[] encode() {
        return Abi.encode(TYPES, quote, eventLog, appCompose);
    }

    /** keccak256 of {@link #encode()}: what the contract stores. */
    public byte[] hash() {
        return Keccak.keccak256(encode());
    }

    /**
     * Decodes the calldata form (strict: headlong checks offsets, lengths and padding).
     *
     * @throws IllegalArgumentException when {@code encoded} is not this tuple
     */
    public static Evidence decode(byte[] encoded) {
        Tuple t;
        try {
            t = Abi.decode(TYPES, encoded);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("evidence is not abi.encode(bytes quote, string eventLog, string appCompose): " + e.getMessage(), e);
        }
        return new Evidence(t.get(0), t.get(1), t.get(2));
    }
}
