/**
 * The node's chain-facing interfaces ({@link org.dstack4j.cluster.join.RequestView},
 * {@link org.dstack4j.cluster.join.ClusterPolicy}) implemented for the EVM contract through the chain module's
 * typed binding ({@link org.dstack4j.cluster.contract}). Another ledger implements the same interfaces.
 */
package org.dstack4j.cluster.evm;
