package org.dstack4j.cluster.join;

import org.dstack4j.cluster.contract.RequestState;
import java.math.BigInteger;
import java.time.Instant;
import org.dstack4j.chain.Address;

/**
 * A join request as the member reads it from the chain at its confirmed depth: the fields of the contract's
 * {@code request(id)} plus the block facts the checks need. Implemented by the chain binding (EVM: the
 * contract view and block headers); any other ledger implements the same.
 */
public interface RequestView {
    /** The request id. */
    BigInteger requestId();

    /** The newcomer's node address. */
    Address node();

    /** The newcomer's X25519 public key, 32 bytes. */
    byte[] encKey();

    /** The anchor block's number. */
    long anchorNumber();

    /** The anchor block's hash, 32 bytes, as the contract stored it ({@code blockhash(anchorNumber)}). */
    byte[] anchorHash();

    /** {@code keccak256(evidence)} as stored, 32 bytes. */
    byte[] evidenceHash();

    /** The block in which the request was made. */
    long requestBlock();

    /** The timestamp of {@link #requestBlock()}: the time at which DCAP is evaluated (never the CVM's clock). */
    Instant requestBlockTime();

    /** The request's state. */
    RequestState state();

    /** Whether the governor removed {@link #node()} from the cluster. */
    boolean nodeRemoved();

    /** The member's confirmed block number (head minus its confirmation depth). */
    long confirmedBlock();

    /** The contract's {@code requestTtl} in blocks. */
    long requestTtl();
}
