package org.dstack4j.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DstackEndpointTest {

    @Test
    void parsesPathsAndUrls() {
        assertThat(DstackEndpoint.parse("/var/run/dstack.sock"))
                .isEqualTo(new DstackEndpoint.UnixSocket(Path.of("/var/run/dstack.sock")));
        assertThat(DstackEndpoint.parse("  ./agent.sock ")).isEqualTo(new DstackEndpoint.UnixSocket(Path.of("./agent.sock")));
        assertThat(DstackEndpoint.parse("http://127.0.0.1:8090")).isEqualTo(new DstackEndpoint.Http(URI.create("http://127.0.0.1:8090")));
        assertThat(DstackEndpoint.parse("HTTPS://sim.example/api/")).isInstanceOf(DstackEndpoint.Http.class);
    }

    @Test
    void rejectsBlankBadAndForeignSchemes() {
        assertThatThrownBy(() -> DstackEndpoint.parse(" ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> DstackEndpoint.parse("ftp://host/x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http or https");
        assertThatThrownBy(() -> DstackEndpoint.parse("http://")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DstackEndpoint.parse("http://bad host/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid URL");
    }

    @Test
    void environmentVariableWinsOverSockets() throws Exception {
        var ep = DstackEndpoint.discover(Map.of("DSTACK_SIMULATOR_ENDPOINT", "http://localhost:9000"), p -> true);
        assertThat(ep).isEqualTo(new DstackEndpoint.Http(URI.create("http://localhost:9000")));
        var sock = DstackEndpoint.discover(Map.of("DSTACK_SIMULATOR_ENDPOINT", "/tmp/sim.sock"), p -> true);
        assertThat(sock).isEqualTo(new DstackEndpoint.UnixSocket(Path.of("/tmp/sim.sock")));
    }

    @Test
    void blankVariableIsIgnored() throws Exception {
        var ep = DstackEndpoint.discover(Map.of("DSTACK_SIMULATOR_ENDPOINT", " "), p -> p.equals(Path.of("/run/dstack.sock")));
        assertThat(ep).isEqualTo(new DstackEndpoint.UnixSocket(Path.of("/run/dstack.sock")));
    }

    @Test
    void firstExistingSocketInOfficialOrder() throws Exception {
        List<String> order = List.of("/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock", "/run/dstack/dstack.sock");
        for (int i = 0; i < order.size(); i++) {
            Set<Path> present = new java.util.HashSet<>();
            for (int j = i; j < order.size(); j++) present.add(Path.of(order.get(j)));
            List<Path> asked = new ArrayList<>();
            var ep = DstackEndpoint.discover(Map.of(), p -> {
                asked.add(p);
                return present.contains(p);
            });
            assertThat(ep).isEqualTo(new DstackEndpoint.UnixSocket(Path.of(order.get(i))));
            assertThat(asked).map(Path::toString).containsExactlyElementsOf(order.subList(0, i + 1));
        }
    }

    @Test
    void nothingFoundListsPathsAndVariable() {
        assertThatThrownBy(() -> DstackEndpoint.discover(Map.of(), p -> false))
                .isInstanceOfSatisfying(DstackException.NoEndpoint.class, e -> {
                    assertThat(e.tried()).hasSize(4).first().isEqualTo(Path.of("/var/run/dstack.sock"));
                    assertThat(e.envVar()).isEqualTo("DSTACK_SIMULATOR_ENDPOINT");
                    assertThat(e.getMessage()).contains("/run/dstack/dstack.sock", "DSTACK_SIMULATOR_ENDPOINT");
                });
    }

    @Test
    void methodUriAppendsToBasePath() {
        assertThat(DstackClient.methodUri(URI.create("http://h:1"), "Info")).isEqualTo(URI.create("http://h:1/Info"));
        assertThat(DstackClient.methodUri(URI.create("http://h:1/api/"), "Info")).isEqualTo(URI.create("http://h:1/api/Info"));
    }
}
