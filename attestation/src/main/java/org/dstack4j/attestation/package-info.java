/** TDX quotes, event logs and RTMR replay, DCAP verification, MPC attestation policy. */
package org.dstack4j.attestation;
