package org.dstack4j.chain.tx;

import com.esaulpaugh.headlong.rlp.RLPEncoder;
import com.esaulpaugh.headlong.util.Integers;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.Signature;
import org.dstack4j.chain.crypto.SigningKey;

/**
 * An EIP-1559 (type 2) transaction without access list.
 *
 * @param chainId EIP-155 chain id
 * @param nonce sender's nonce
 * @param maxPriorityFeePerGas wei
 * @param maxFeePerGas wei, >= maxPriorityFeePerGas
 * @param gasLimit gas units
 * @param to recipient; empty for a contract creation
 * @param value wei
 * @param data calldata or init code
 */
public record Eip1559Transaction(BigInteger chainId, long nonce, BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas,
                                 long gasLimit, Optional<org.dstack4j.chain.Address> to, BigInteger value, byte[] data) {
    public Eip1559Transaction {
        if (chainId.signum() <= 0 || nonce < 0 || gasLimit <= 0 || value.signum() < 0
                || maxPriorityFeePerGas.signum() < 0 || maxFeePerGas.compareTo(maxPriorityFeePerGas) < 0) {
            throw new IllegalArgumentException("transaction fields out of range (chainId > 0, nonce >= 0, gas > 0, value >= 0, "
                    + "0 <= maxPriorityFeePerGas <= maxFeePerGas)");
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    private List<Object> fields() {
        return List.of(
                Integers.toBytesUnsigned(chainId),
                Integers.toBytes(nonce),
                Integers.toBytesUnsigned(maxPriorityFeePerGas),
                Integers.toBytesUnsigned(maxFeePerGas),
                Integers.toBytes(gasLimit),
                to.map(org.dstack4j.chain.Address::bytes).orElse(new byte[0]),
                Integers.toBytesUnsigned(value),
                data,
                List.of());
    }

    /** {@code keccak256(0x02 || rlp(fields))}: the digest the sender signs. */
    public byte[] signingHash() {
        return Keccak.keccak256(new byte[] {2}, RLPEncoder.list(fields()));
    }

    /** Signs with {@code key}: the raw transaction for {@code eth_sendRawTransaction} and its hash. */
    public SignedTransaction sign(SigningKey key) {
        Signature sig = key.sign(signingHash());
        List<Object> all = new java.util.ArrayList<>(fields());
        all.add(Integers.toBytes((long) sig.recoveryId()));
        all.add(Integers.toBytesUnsigned(sig.r()));
        all.add(Integers.toBytesUnsigned(sig.s()));
        byte[] rlp = RLPEncoder.list(all);
        byte[] raw = new byte[rlp.length + 1];
        raw[0] = 2;
        System.arraycopy(rlp, 0, raw, 1, rlp.length);
        return new SignedTransaction(raw, Keccak.keccak256(raw));
    }
}
