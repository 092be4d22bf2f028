/** Key sources that are not the local key provider: the cluster node of the same CVM (cluster mode). */
package org.dstack4j.agent.keys.cluster;
