package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After a test class, fails if any launcher output recorded so far ({@link LaunchOutputs}) contains a
 * planted secret. Put {@code @ExtendWith(SecretsNeverLeak.class)} on every class that runs the launcher.
 */
final class SecretsNeverLeak implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(LaunchOutputs.secrets()).as("the class planted secrets to look for").isNotEmpty();
        assertThat(LaunchOutputs.leaks()).as("launcher output must never contain a planted secret").isEmpty();
    }
}
