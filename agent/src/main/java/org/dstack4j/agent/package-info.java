/** The dstack-compatible guest agent: HTTP on a unix socket, simulated and Linux TDX backends. */
package org.dstack4j.agent;
