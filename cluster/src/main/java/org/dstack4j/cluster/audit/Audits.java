package org.dstack4j.cluster.audit;

import java.security.MessageDigest;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterReads;

/** What both audits check first. */
final class Audits {
    private Audits() {}

    /** {@code cluster}, once the contract's {@code clusterId()} equals the one its chain id and address give. */
    static ClusterRef checkedCluster(ClusterRef cluster, ClusterReads reads) throws ClusterContractException, AuditException {
        if (!MessageDigest.isEqual(reads.clusterId(), cluster.clusterId())) {
            throw new AuditException("the contract's clusterId() is not keccak256(chain " + cluster.chainId() + ", " + cluster.contract()
                    + "): the endpoint serves another chain or the address is not a DstackCluster");
        }
        return cluster;
    }
}
