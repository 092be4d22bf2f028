package org.dstack4j.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLog;

/** What the launcher e2e tests look at after a launch: the node container and the agent's event log. */
final class LaunchFixtures {
    private LaunchFixtures() {}

    /** The agent's event log (RTMR3 events included), read over its socket. */
    static EventLog agentLog(AgentProcess agent) throws Exception {
        try (DstackClient c = agent.client()) {
            return c.info().tcbInfo().log();
        }
    }

    /** Whether the engine has a container named {@code mpc-node}. */
    static boolean nodeExists(DockerClient docker) {
        try {
            docker.inspectContainerCmd("mpc-node").exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Force-removes {@code mpc-node}, if any. */
    static void removeNode(DockerClient docker) {
        try {
            docker.removeContainerCmd("mpc-node").withForce(true).exec();
        } catch (NotFoundException e) {
            // nothing to remove
        }
    }
}
