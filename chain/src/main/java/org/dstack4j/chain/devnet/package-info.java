/**
 * The local development chain: anvil (Foundry's dev node, from the npm package pinned in
 * {@code contracts/package-lock.json}) started on loopback for tests, benchmarks and the demo. Never
 * part of the in-CVM path.
 */
package org.dstack4j.chain.devnet;
