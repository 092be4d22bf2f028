/** What the cluster gives the apps of a member CVM: per-app keys and EVM-verifiable attestations, over the node's app-key socket. */
package org.dstack4j.cluster.apps;
