/**
 * The node process inside the CVM: genesis, join and member loops over a chain view at a confirmed depth, the guest
 * agent for keys and quotes, and the host relay for transactions and collateral.
 */
package org.dstack4j.cluster.daemon;
