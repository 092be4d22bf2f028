/**
 * EVM access for dstack4j: JSON-RPC with timeouts and size caps, ABI encoding (headlong), EIP-712 typed-data
 * hashing, secp256k1 signatures with low-s, event reads at a confirmed depth, and (host tools only) transaction
 * building and signing.
 */
package org.dstack4j.chain;
