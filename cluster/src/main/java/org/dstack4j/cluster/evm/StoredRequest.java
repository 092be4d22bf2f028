package org.dstack4j.cluster.evm;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.RequestView;

/**
 * A {@link RequestView} over the contract's stored request ({@code request(id)}) and the block facts read beside it.
 * {@code state} is given apart from the stored one so that an auditor can see a request as its member did (pending).
 */
public record StoredRequest(JoinRequest stored, RequestState state, Instant requestBlockTime, boolean nodeRemoved, long confirmedBlock,
                            long requestTtl) implements RequestView {
    public StoredRequest {
        Objects.requireNonNull(stored, "stored");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(requestBlockTime, "requestBlockTime");
    }

    @Override
    public BigInteger requestId() {
        return stored.id();
    }

    @Override
    public Address node() {
        return stored.node();
    }

    @Override
    public byte[] encKey() {
        return stored.encKey();
    }

    @Override
    public long anchorNumber() {
        return stored.anchorNumber();
    }

    @Override
    public byte[] anchorHash() {
        return stored.anchorHash();
    }

    @Override
    public byte[] evidenceHash() {
        return stored.evidenceHash();
    }

    @Override
    public long requestBlock() {
        return stored.requestBlock();
    }
}
