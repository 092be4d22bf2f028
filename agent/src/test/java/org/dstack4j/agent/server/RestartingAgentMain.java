package org.dstack4j.agent.server;

import java.nio.file.Path;
import org.dstack4j.agent.api.GuestApi;

/** Child-process entry of {@link SocketStartupRaceTest}: starts and stops the agent on a socket {@code rounds} times. */
public final class RestartingAgentMain {
    private RestartingAgentMain() {}

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        GuestApi api = SimulatorApis.fresh("race-seed");
        for (int i = 0; i < rounds; i++) {
            try (AgentServer server = AgentServer.start(AgentServer.Config.of(socket), api)) {
                Thread.sleep(2); // let a connection that got in be served, as a real agent would
            }
        }
        System.out.println("rounds=" + rounds);
    }
}
