/**
 * Anyone's re-run of the cluster's decisions from chain data alone: {@link org.dstack4j.cluster.audit.JoinAudit}
 * re-runs a member's join checks on a request (policy rebuilt at the request block from the contract's events) and
 * compares with the on-chain outcome; {@link org.dstack4j.cluster.audit.GenesisAudit} does the same for a genesis
 * record. The checks are the member's own ({@link org.dstack4j.cluster.join.JoinChecks}), never a copy.
 */
package org.dstack4j.cluster.audit;
