package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.container.RestartPolicy;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;

/**
 * The JSON bodies {@link DockerEngine} sends to create the node's network and container: the node
 * joins the user-defined bridge {@code mpc-node_default} at create time, and ports are published on
 * every host address (near/mpc's compose: {@code H:C}), IPv6 included.
 */
class CreateBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ImageDigest IMAGE = ImageDigest.parse("sha256:" + "c".repeat(64)).orElseThrow();

    private static ContainerSpec spec(List<PortMapping> ports) {
        return new ContainerSpec("mpc-node", IMAGE.toString(), List.of(new EnvVar("MPC_ENV", "testnet", false)),
                ports, List.of(), List.of("no-new-privileges:true"), RestartPolicy.ON_FAILURE);
    }

    @Test
    void theNodeJoinsTheComposeProjectNetworkAtCreateTime() throws Exception {
        JsonNode body = JSON.readTree(DockerEngine.createBody(spec(List.of()), IMAGE));

        assertThat(body.path("HostConfig").path("NetworkMode").asText()).isEqualTo("mpc-node_default");
        JsonNode endpoints = body.path("NetworkingConfig").path("EndpointsConfig");
        assertThat(endpoints.size()).isEqualTo(1);
        assertThat(endpoints.has("mpc-node_default")).isTrue();
    }

    @Test
    void portsArePublishedOnEveryAddressWithTheirHostPorts() throws Exception {
        JsonNode body = JSON.readTree(DockerEngine.createBody(
                spec(List.of(new PortMapping(24567, 24567), new PortMapping(8080, 80), new PortMapping(8081, 80))), IMAGE));

        JsonNode bindings = body.path("HostConfig").path("PortBindings");
        assertThat(bindings.path("24567/tcp")).hasSize(1);
        assertThat(bindings.path("24567/tcp").get(0).path("HostIp").asText("absent")).isEmpty();
        assertThat(bindings.path("24567/tcp").get(0).path("HostPort").asText()).isEqualTo("24567");
        // one container port published on two host ports: both bindings, neither pinned to IPv4
        assertThat(bindings.path("80/tcp")).hasSize(2);
        assertThat(bindings.path("80/tcp").findValuesAsText("HostPort")).containsExactly("8080", "8081");
        assertThat(bindings.path("80/tcp").findValuesAsText("HostIp")).containsExactly("", "");
        assertThat(body.path("ExposedPorts").has("80/tcp")).isTrue();
    }

    @Test
    void theNetworkIsAUserDefinedBridgeThatRefusesADuplicateName() throws Exception {
        JsonNode body = JSON.readTree(DockerEngine.networkBody("mpc-node_default"));

        assertThat(body.path("Name").asText()).isEqualTo("mpc-node_default");
        assertThat(body.path("Driver").asText()).isEqualTo("bridge");
        assertThat(body.path("CheckDuplicate").asBoolean()).isTrue();
        assertThat(body.path("Labels").path(DockerEngine.LAUNCHER_LABEL).asText()).isEqualTo("1");
    }

    @Test
    void theNetworkIsPartOfTheFingerprintSoAContainerFromBeforeItIsReplaced() {
        ContainerSpec onNetwork = spec(List.of());
        ContainerSpec onDefaultBridge = new ContainerSpec(onNetwork.name(), onNetwork.image(), onNetwork.env(),
                onNetwork.ports(), onNetwork.mounts(), onNetwork.securityOpt(), onNetwork.restartPolicy(),
                onNetwork.command(), onNetwork.labels(), "bridge");

        assertThat(onNetwork.network()).isEqualTo(ContainerSpec.NODE_NETWORK);
        assertThat(onNetwork.withImage(IMAGE.toString()).withLabel("k", "v").network()).isEqualTo("mpc-node_default");
        assertThat(onNetwork.fingerprint()).isNotEqualTo(onDefaultBridge.fingerprint());
    }
}
