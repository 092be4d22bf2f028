/**
 * The host relay: the untrusted service outside the CVM that is the node's only link out. It submits the node's
 * contract calls (paying gas with the operator's key) and fetches DCAP collateral, on a unix socket. It can refuse or
 * delay; what it could alter (keys, evidence, answers) is bound by report data, signatures and the collateral's PKI.
 */
package org.dstack4j.cluster.relay;
