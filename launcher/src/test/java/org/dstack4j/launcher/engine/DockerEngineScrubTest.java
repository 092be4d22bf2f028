package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.dstack4j.launcher.container.EnvVar;
import org.junit.jupiter.api.Test;

/** Which environment values {@link DockerEngine} blanks out of engine error messages. */
class DockerEngineScrubTest {

    @Test
    void everySecretAndEveryLongerValueLongestFirst() {
        List<String> scrub = DockerEngine.scrubList(List.of(
                new EnvVar("RUST_BACKTRACE", "1", false),
                new EnvVar("MPC_ENV", "testnet", false),
                new EnvVar("MPC_SECRET_STORE_KEY", "k", true),
                new EnvVar("MPC_BACKUP_ENCRYPTION_KEY_HEX", "testnet-key-0123", true),
                new EnvVar("MPC_EMPTY", "", true),
                new EnvVar("MPC_DUP", "testnet", false)));

        assertThat(scrub).containsExactly("testnet-key-0123", "testnet", "k");
    }
}
