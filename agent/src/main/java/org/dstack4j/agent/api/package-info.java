/**
 * The dstack guest agent API independent of transport: {@link org.dstack4j.agent.api.GuestApi}
 * (method table and input rules) over a {@link org.dstack4j.agent.api.TeeBackend}.
 */
package org.dstack4j.agent.api;
