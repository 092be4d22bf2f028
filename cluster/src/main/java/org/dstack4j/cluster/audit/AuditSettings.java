package org.dstack4j.cluster.audit;

import java.util.Optional;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.binding.EvidenceFormatException;
import org.dstack4j.cluster.contract.ClusterEvent;

/**
 * The member setting an auditor must choose: whether test (non-Intel) DCAP roots may pass {@code dcap-root}. A member
 * takes it from its own measured app-compose; an auditor takes it from the flag it is given, else from the genesis
 * node's app-compose (the cluster's first member), else Intel only.
 *
 * @param allowTestRoot the setting
 * @param from          where it came from, for the report
 */
record AuditSettings(boolean allowTestRoot, String from) {
    static AuditSettings choose(Optional<Boolean> flag, ClusterHistory history) {
        return choose(flag, history.bootstrapped().map(b -> ((ClusterEvent.Bootstrapped) b.event()).genesisId())
                .flatMap(history::genesisSubmitted).map(e -> (ClusterEvent.GenesisSubmitted) e.event()));
    }

    /** The flag, else {@code genesis}'s compose setting, else Intel only. */
    static AuditSettings choose(Optional<Boolean> flag, Optional<ClusterEvent.GenesisSubmitted> g) {
        if (flag.isPresent()) return new AuditSettings(flag.get(), "the auditor's flag");
        if (g.isPresent()) {
            try {
                Optional<ClusterPin> pin = ClusterPin.fromCompose(Evidence.decode(g.get().evidence()).appCompose());
                if (pin.isPresent()) return new AuditSettings(pin.get().allowTestRoot(), "the genesis node's app-compose");
            } catch (EvidenceFormatException | ClusterPin.PinFormatException e) {
                // fall through: a malformed genesis compose sets nothing
            }
        }
        return new AuditSettings(false, "the default (Intel's root only)");
    }
}
