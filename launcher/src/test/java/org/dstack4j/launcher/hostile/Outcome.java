package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.container.Rejection;
import org.dstack4j.launcher.selection.ImageDigest;

/** The exact expected result of one hostile case: a failure naming step and input, or a plan with checks. */
sealed interface Outcome {

    /**
     * The launch must stop with an {@link org.dstack4j.launcher.InputException} at {@code step}, naming
     * {@code input} (a key, or the path of a file, resolved from the workspace), with a message
     * containing {@code fragment}.
     */
    record Fails(LaunchStep step, Function<Workspace, String> input, String fragment) implements Outcome {}

    /** The plan must be made and satisfy every check (on top of the suite's invariants). */
    record Plans(List<Check> checks) implements Outcome {}

    static Outcome fails(LaunchStep step, String key, String fragment) {
        return new Fails(step, w -> key, fragment);
    }

    static Outcome failsOnUserConfigFile(String fragment) {
        return new Fails(LaunchStep.USER_CONFIG, w -> w.userConfig.toString(), fragment);
    }

    static Outcome failsOnApprovedFile(String fragment) {
        return new Fails(LaunchStep.SELECTION, w -> w.approved.toString(), fragment);
    }

    static Outcome plans(Check... checks) {
        return new Plans(List.of(checks));
    }

    /** One property of a successful plan. */
    sealed interface Check {
        void verify(LaunchPlan plan);
    }

    /** {@code key} is passed to the node with exactly {@code value}, once. */
    record Passes(String key, String value) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.container().env()).filteredOn(v -> v.key().equals(key)).extracting(EnvVar::value)
                    .as("env %s", key).containsExactly(value);
        }
    }

    /** {@code key} is not passed and is reported rejected with a reason containing {@code reason}. */
    record Rejects(String key, String reason) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.rejected()).filteredOn(r -> r.key().equals(key)).extracting(Rejection::reason)
                    .as("rejection of %s among %s", key, plan.rejected()).singleElement().asString().contains(reason);
            if (!org.dstack4j.launcher.container.ContainerRules.RESERVED_KEYS.contains(key)) {
                assertThat(plan.container().env()).extracting(EnvVar::key).as("env").doesNotContain(key);
            }
        }
    }

    /** {@code key} is neither passed nor reported: the line is not an entry at all (skipped silently). */
    record Ignored(String key) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.container().env()).extracting(EnvVar::key).doesNotContain(key);
            assertThat(plan.rejected()).extracting(Rejection::key).doesNotContain(key);
        }
    }

    /** Exactly these user_config keys are rejected, in this order. */
    record RejectedKeys(List<String> keys) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.rejected()).extracting(Rejection::key).containsExactlyElementsOf(keys);
        }
    }

    /** Exactly these ports are published, in order. */
    record Ports(List<PortMapping> ports) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.container().ports()).containsExactlyElementsOf(ports);
        }
    }

    /** The selected digest. */
    record Selects(ImageDigest digest) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.selection().digest()).isEqualTo(digest);
        }
    }

    /** Registry, image name and tags the registry step will use. */
    record Looks(String registry, String name, List<String> tags) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.image().registry()).isEqualTo(registry);
            assertThat(plan.image().name()).isEqualTo(name);
            assertThat(plan.image().tags()).containsExactlyElementsOf(tags);
        }
    }

    /** The platform the plan runs on. */
    record OnPlatform(Platform platform) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.platform()).isEqualTo(platform);
        }
    }

    /** Only the launcher's own variables reach the node (nothing from user_config). */
    record OnlyLauncherEnv() implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.container().env()).extracting(EnvVar::key)
                    .allMatch(k -> k.equals("MPC_IMAGE_HASH") || k.equals("MPC_LATEST_ALLOWED_HASH_FILE") || k.equals("DSTACK_ENDPOINT"));
        }
    }

    /** The rejection count. */
    record RejectionCount(int count) implements Check {
        @Override
        public void verify(LaunchPlan plan) {
            assertThat(plan.rejected()).hasSize(count);
        }
    }

    static Check passes(String key, String value) {
        return new Passes(key, value);
    }

    static Check rejects(String key, String reason) {
        return new Rejects(key, reason);
    }

    static Check ignored(String key) {
        return new Ignored(key);
    }

    static Check rejectedKeys(String... keys) {
        return new RejectedKeys(List.of(keys));
    }

    static Check ports(PortMapping... ports) {
        return new Ports(List.of(ports));
    }

    static Check selects(ImageDigest digest) {
        return new Selects(digest);
    }

    static Check defaultImage() {
        return new Looks("registry.hub.docker.com", "nearone/mpc-node", List.of("latest"));
    }

    static Optional<Check> none() {
        return Optional.empty();
    }
}
