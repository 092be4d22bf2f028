/**
 * HTTP/1.1 listeners (Jetty core handlers) for the guest APIs: {@link org.dstack4j.agent.server.AgentServer}
 * on a unix socket (the guest API, or the legacy Tappd service), {@link org.dstack4j.agent.server.WorkerServer}
 * on TCP (the external Worker API, with room for other pages); {@code Routes} maps paths to surfaces.
 */
package org.dstack4j.agent.server;
