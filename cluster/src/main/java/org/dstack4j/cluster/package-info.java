/**
 * The dstack4j cluster: CVMs that share one secret, handed only to CVMs that prove what they run, under a contract
 * on an EVM chain that owns the cluster. Protocol: {@code docs/cluster-protocol.md}.
 */
package org.dstack4j.cluster;
