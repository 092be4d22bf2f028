/**
 * Transaction building and signing (EIP-1559) and sending with receipt waiting: for host tools
 * (governor CLI, host relay) only. The in-CVM node never holds a gas key and does not use this package.
 */
package org.dstack4j.chain.tx;
