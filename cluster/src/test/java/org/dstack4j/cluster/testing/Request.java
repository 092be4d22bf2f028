package org.dstack4j.cluster.testing;

import org.dstack4j.cluster.contract.RequestState;
import java.math.BigInteger;
import java.time.Instant;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.join.RequestView;

/** A join request as a record: what the chain binding returns, built by hand in unit tests. */
public record Request(BigInteger requestId, Address node, byte[] encKey, long anchorNumber, byte[] anchorHash, byte[] evidenceHash,
        long requestBlock, Instant requestBlockTime, RequestState state, boolean nodeRemoved, long confirmedBlock, long requestTtl)
        implements RequestView {

    public Request withEvidenceHash(byte[] h) {
        return new Request(requestId, node, encKey, anchorNumber, anchorHash, h, requestBlock, requestBlockTime, state, nodeRemoved,
                confirmedBlock, requestTtl);
    }

    public Request withAnchorHash(byte[] h) {
        return new Request(requestId, node, encKey, anchorNumber, h, evidenceHash, requestBlock, requestBlockTime, state, nodeRemoved,
                confirmedBlock, requestTtl);
    }

    public Request withEncKey(byte[] k) {
        return new Request(requestId, node, k, anchorNumber, anchorHash, evidenceHash, requestBlock, requestBlockTime, state, nodeRemoved,
                confirmedBlock, requestTtl);
    }

    public Request withNode(Address n) {
        return new Request(requestId, n, encKey, anchorNumber, anchorHash, evidenceHash, requestBlock, requestBlockTime, state, nodeRemoved,
                confirmedBlock, requestTtl);
    }

    public Request withTime(Instant t) {
        return new Request(requestId, node, encKey, anchorNumber, anchorHash, evidenceHash, requestBlock, t, state, nodeRemoved,
                confirmedBlock, requestTtl);
    }

    public Request withState(RequestState s, boolean removed) {
        return new Request(requestId, node, encKey, anchorNumber, anchorHash, evidenceHash, requestBlock, requestBlockTime, s, removed,
                confirmedBlock, requestTtl);
    }

    public Request withConfirmedBlock(long b) {
        return new Request(requestId, node, encKey, anchorNumber, anchorHash, evidenceHash, requestBlock, requestBlockTime, state, nodeRemoved,
                b, requestTtl);
    }
}
