/**
 * Simulated TDX: measurement profile, app-compose, boot events, RTMR3 with a durable event log,
 * quotes signed by the seeded TEST PKI, and the DCAP collateral ({@link
 * org.dstack4j.agent.simulator.TestCollateral}) that makes those quotes verify under the pinned test root.
 */
package org.dstack4j.agent.simulator;
