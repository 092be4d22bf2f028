/** App key material and secp256k1 operations for GetKey, Sign and Verify, as dstack computes them. */
package org.dstack4j.agent.keys;
