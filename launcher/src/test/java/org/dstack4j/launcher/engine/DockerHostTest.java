package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DockerHostTest {

    @ParameterizedTest
    @ValueSource(strings = {"unix:///var/run/docker.sock", "unix:///tmp/d4jd-1/docker.sock", "tcp://127.0.0.1:2375",
        "tcp://localhost:2375", "tcp://[::1]:2375"})
    void acceptsUnixSocketsAndLoopbackTcp(String text) throws Exception {
        assertThat(DockerHost.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void theDefaultParses() throws Exception {
        assertThat(DockerHost.parse(DockerHost.DEFAULT).uri().getPath()).isEqualTo("/var/run/docker.sock");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp://10.0.0.5:2375", "tcp://docker.example.com:2376", "tcp://0.0.0.0:2375"})
    void refusesPlainTcpToOtherHosts(String text) {
        assertThatThrownBy(() -> DockerHost.parse(text))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                    assertThat(e.input()).isEqualTo("--docker-host");
                    assertThat(e.getMessage()).contains("not loopback");
                });
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''|the docker host is empty",
        "'  '|the docker host is empty",
        "/var/run/docker.sock|unsupported docker host scheme '' in /var/run/docker.sock",
        "unix://relative.sock|needs an absolute socket path",
        "unix:relative.sock|needs an absolute socket path",
        "https://127.0.0.1:2376|unsupported docker host scheme 'https'",
        "ssh://user@host|unsupported docker host scheme 'ssh'",
        "npipe:////./pipe/docker_engine|unsupported docker host scheme 'npipe'",
        "tcp://127.0.0.1|needs host and port",
        "unix:///a b|not a URI: unix:///a b"})
    void refusesEverythingElseSayingWhy(String text, String why) {
        assertThatThrownBy(() -> DockerHost.parse(text))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.step()).isEqualTo(LaunchStep.PULL);
                    assertThat(e.input()).isEqualTo("--docker-host");
                    assertThat(e.getMessage()).contains(why);
                });
    }

    @Test
    void refusesASocketPathTooLongForSunPath() {
        String path = "/tmp/" + "x".repeat(103); // 108 bytes
        assertThatThrownBy(() -> DockerHost.parse("unix://" + path))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.getMessage()).contains("longer than 107"));
        assertThat(path.length()).isEqualTo(108);
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> DockerHost.parse(null)).isInstanceOf(EngineException.class)
                .hasMessageContaining("the docker host is empty");
    }
}
