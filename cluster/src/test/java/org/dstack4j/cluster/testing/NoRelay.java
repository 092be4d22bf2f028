package org.dstack4j.cluster.testing;

import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayException;

/** A relay that only tunnels (tests of the node's chain reads): every call and collateral fetch is refused. */
public final class NoRelay implements Relay {
    @Override
    public Submitted submit(ContractCall call) throws RelayException {
        throw new RelayException("not in this test", null);
    }

    @Override
    public Collateral collateral(byte[] quote) throws RelayException {
        throw new RelayException("not in this test", null);
    }
}
