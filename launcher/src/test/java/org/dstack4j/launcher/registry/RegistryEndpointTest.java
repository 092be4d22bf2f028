package org.dstack4j.launcher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.List;
import java.util.Set;
import org.dstack4j.launcher.RegistryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryEndpointTest {
    private final HostPolicy noInsecure = new HostPolicy(Set.of());

    private RegistryEndpoint endpoint(String registry, String name, HostPolicy hosts) throws RegistryException {
        return RegistryEndpoint.of(new ImageReference(registry, name, List.of("latest")), hosts);
    }

    @Test
    void nonLoopbackRegistryUsesHttps() throws Exception {
        RegistryEndpoint e = endpoint("registry.example.com:5000", "nearone/mpc-node", noInsecure);

        assertThat(e.manifestUri("latest")).isEqualTo(URI.create("https://registry.example.com:5000/v2/nearone/mpc-node/manifests/latest"));
    }

    @Test
    void insecureRegistryUsesHttp() throws Exception {
        HostPolicy hosts = new HostPolicy(Set.of("10.1.2.3:5000"));

        assertThat(endpoint("10.1.2.3:5000", "a/b", hosts).base()).isEqualTo(URI.create("http://10.1.2.3:5000"));
        assertThat(endpoint("10.1.2.3:5001", "a/b", hosts).base()).isEqualTo(URI.create("https://10.1.2.3:5001"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:5000", "127.1.2.3", "localhost:5000", "[::1]:5000"})
    void loopbackRegistriesUseHttp(String registry) throws Exception {
        assertThat(endpoint(registry, "a/b", noInsecure).base().getScheme()).isEqualTo("http");
    }

    @Test
    void loopbackIsTextualNotAPrefixMatch() {
        assertThat(HostPolicy.isLoopback("127.0.0.1.evil.example")).isFalse();
        assertThat(HostPolicy.isLoopback("127.0.0.256")).isFalse();
        assertThat(HostPolicy.isLoopback("localhost.example")).isFalse();
        assertThat(HostPolicy.isLoopback("128.0.0.1")).isFalse();
        assertThat(HostPolicy.isLoopback("LOCALHOST")).isTrue();
    }

    @Test
    void dockerHubSingleComponentNamesGetLibraryPrefix() throws Exception {
        RegistryEndpoint hub = endpoint("registry.hub.docker.com", "busybox", noInsecure);

        assertThat(hub.reference().name()).isEqualTo("library/busybox");
        assertThat(hub.reference().registry()).isEqualTo("registry.hub.docker.com");
        assertThat(hub.base()).isEqualTo(URI.create("https://registry.hub.docker.com"));
        assertThat(hub.pullScope()).isEqualTo("repository:library/busybox:pull");
        assertThat(endpoint("registry.hub.docker.com", "nearone/mpc-node", noInsecure).reference().name()).isEqualTo("nearone/mpc-node");
    }

    @Test
    void dockerIoIsServedByItsApiHost() throws Exception {
        RegistryEndpoint hub = endpoint("docker.io", "busybox", noInsecure);

        assertThat(hub.base()).isEqualTo(URI.create("https://registry-1.docker.io"));
        assertThat(hub.reference().name()).isEqualTo("library/busybox");
    }

    @Test
    void otherRegistriesKeepSingleComponentNames() throws Exception {
        assertThat(endpoint("127.0.0.1:5000", "busybox", noInsecure).reference().name()).isEqualTo("busybox");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Upper/case", "a/../b", "a//b", "-a", "a/b?x=1", "a b", ""})
    void invalidNamesAreRejected(String name) {
        RegistryException e = catchThrowableOfType(RegistryException.class, () -> endpoint("127.0.0.1:5000", name, noInsecure));

        assertThat(e.input()).isEqualTo("MPC_IMAGE_NAME");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "-x", "a/b", "x?y", ".hidden"})
    void invalidTagsAreRejected(String tag) {
        RegistryException e = catchThrowableOfType(RegistryException.class,
                () -> RegistryEndpoint.of(new ImageReference("127.0.0.1:5000", "a/b", List.of("ok", tag)), noInsecure));

        assertThat(e.input()).isEqualTo("MPC_IMAGE_TAGS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://x", "x/y", "user@host", "host:port", ""})
    void invalidRegistriesAreRejected(String registry) {
        RegistryException e = catchThrowableOfType(RegistryException.class, () -> endpoint(registry, "a/b", noInsecure));

        assertThat(e.input()).isEqualTo("MPC_REGISTRY");
    }
}
