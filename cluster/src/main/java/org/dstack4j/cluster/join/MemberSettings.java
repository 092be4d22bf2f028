package org.dstack4j.cluster.join;

import java.util.Objects;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.secret.ClusterPublicKeys;

/**
 * The answering member's own measured settings (from its app-compose {@link org.dstack4j.cluster.binding.ClusterPin}
 * and its derived keys).
 *
 * @param cluster       the member's chain id and contract
 * @param keys          the cluster's public keys (the member derived them and they equal its pin and the contract's)
 * @param allowTestRoot whether a newcomer's quote may chain to a non-Intel root that the policy allows
 */
public record MemberSettings(ClusterRef cluster, ClusterPublicKeys keys, boolean allowTestRoot) {
    public MemberSettings {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(keys, "keys");
    }
}
