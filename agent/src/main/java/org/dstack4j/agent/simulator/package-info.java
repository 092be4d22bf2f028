/**
 * Simulated TDX: measurement profile, app-compose, boot events, RTMR3 with a durable event log,
 * quotes signed by the seeded TEST PKI.
 */
package org.dstack4j.agent.simulator;
