package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.agent.simulator.AppCompose;
import org.dstack4j.agent.simulator.MeasurementProfile;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.agent.simulator.SimulatorConfig;
import org.dstack4j.attestation.dcap.PccsClient;
import org.junit.jupiter.api.Test;

class DashboardWiringTest {
    @Test
    void aPccsFailureOnThePageNamesOnlySchemeHostAndPort() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        HttpServer pccs = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pccs.createContext("/", ex -> {
            asked.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        pccs.start();
        try {
            int port = pccs.getAddress().getPort();
            byte[] quote = SimulatedTdx.start(new SimulatorConfig("dash", AppCompose.defaults(), MeasurementProfile.defaults(), Optional.empty()))
                    .quote(new byte[64]).quote();
            var source = DashboardWiring.pccs(PccsClient.of(URI.create("http://op:hunter2@127.0.0.1:" + port + "/tok-hunter3")));
            assertThatThrownBy(() -> source.fetch(quote)).hasMessage("http://127.0.0.1:" + port + ": HTTP 404");
            assertThat(asked).first().asString().startsWith("/tok-hunter3/sgx/certification/v4/pckcrl"); // the real URL was asked
        } finally {
            pccs.stop(0);
        }
    }
}
