/**
 * The host relay: the untrusted service outside the CVM that is the node's only link out. It submits the node's
 * contract calls (paying gas with the operator's key), fetches DCAP collateral and tunnels the node's chain reads to the
 * RPC endpoints its compose pins ({@link org.dstack4j.cluster.relay.RelayTunnel}, TLS ended in the node), on a unix
 * socket. It can refuse or delay; what it could alter (keys, evidence, answers, https reads) is bound by report data,
 * signatures, the collateral's PKI and TLS.
 */
package org.dstack4j.cluster.relay;
