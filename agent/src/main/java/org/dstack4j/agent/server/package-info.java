/** HTTP/1.1 on a unix domain socket (Jetty core handlers) for the guest API. */
package org.dstack4j.agent.server;
