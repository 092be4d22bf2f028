package org.dstack4j.launcher.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchException;
import org.dstack4j.launcher.LaunchListener;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchPlanner;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.StepTimings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.container.ContainerRules;
import org.dstack4j.launcher.container.EnvVar;
import org.dstack4j.launcher.container.Mount;
import org.dstack4j.launcher.container.RestartPolicy;

/**
 * Runs one {@link HostileCase} through {@link LaunchPlanner#plan} (steps 1–3 of the trusted path)
 * and checks its exact outcome plus the invariants that must hold for every input:
 *
 * <ul>
 *   <li>the run ends within {@link #BOUND} (a FIFO or a huge file must not hang the launcher);</li>
 *   <li>a failure is an {@link InputException} at the expected step naming the expected input, in one
 *       line;</li>
 *   <li>a plan starts {@code mpc-node} from the selected image ID with {@code no-new-privileges},
 *       restart {@code on-failure} and exactly the fixed mounts; every passed variable is allowed by
 *       name, holds no control character but tab, no {@code LD_PRELOAD}, at most 1024 bytes; the
 *       launcher's own variables carry the launcher's values;</li>
 *   <li>no planted secret value appears in any progress line, rejection, error message (cause chain
 *       included) or the plan's {@code toString()}.</li>
 * </ul>
 */
final class HostileRunner {
    static final Duration BOUND = Duration.ofSeconds(10);
    private static final Pattern ALLOWED_KEY = Pattern.compile("MPC_[A-Z0-9_]{1,64}");

    private HostileRunner() {}

    static void run(HostileCase c, Path dir) throws Exception {
        try (Workspace w = new Workspace(dir)) {
            c.setup().apply(w);
            List<String> said = new CopyOnWriteArrayList<>();
            LaunchListener listener = new LaunchListener() {
                @Override
                public void progress(LaunchStep step, String line) {
                    said.add(line);
                }

                @Override
                public void stepDone(LaunchStep step, Duration took, String summary) {
                    said.add(summary);
                }
            };
            Object result = assertTimeoutPreemptively(BOUND, () -> {
                try {
                    return LaunchPlanner.plan(w.inputs(), new StepTimings(), listener);
                } catch (LaunchException e) {
                    return e;
                }
            }, "the planner must end within " + BOUND);
            switch (c.outcome()) {
                case Outcome.Fails f -> checkFailure(w, f, result, said);
                case Outcome.Plans p -> checkPlan(w, p, result, said);
            }
        }
    }

    private static void checkFailure(Workspace w, Outcome.Fails f, Object result, List<String> said) {
        assertThat(result).as("expected a failure, got %s", result).isInstanceOf(InputException.class);
        InputException e = (InputException) result;
        assertThat(e.step()).as(e.oneLine()).isEqualTo(f.step());
        assertThat(e.input()).as(e.oneLine()).isEqualTo(f.input().apply(w));
        assertThat(e.getMessage()).as(e.oneLine()).contains(f.fragment());
        assertThat(e.oneLine()).doesNotContain("\n").doesNotContain("\r").contains("[input: " + e.input() + "]");
        List<String> text = new ArrayList<>(said);
        for (Throwable t = e; t != null; t = t.getCause()) text.add(String.valueOf(t.getMessage()));
        text.add(e.oneLine());
        noSecrets(text);
    }

    private static void checkPlan(Workspace w, Outcome.Plans p, Object result, List<String> said) {
        if (result instanceof LaunchException e) throw new AssertionError("expected a plan, got: " + e.oneLine(), e);
        LaunchPlan plan = (LaunchPlan) result;
        var spec = plan.container();
        boolean tee = plan.platform() == Platform.TEE;
        assertThat(spec.name()).isEqualTo(ContainerRules.NAME);
        assertThat(spec.image()).isEqualTo(plan.selection().digest().toString());
        assertThat(spec.securityOpt()).containsExactly("no-new-privileges:true");
        assertThat(spec.restartPolicy()).isEqualTo(RestartPolicy.ON_FAILURE);
        List<Mount> mounts = new ArrayList<>(List.of(
                Mount.bind(w.tapp.toAbsolutePath().toString(), "/tapp", true),
                Mount.volume("shared-volume", "/mnt/shared"),
                Mount.volume("mpc-data", "/data")));
        if (tee) mounts.add(Mount.bind(w.socket.toAbsolutePath().toString(), "/var/run/dstack.sock", false));
        assertThat(spec.mounts()).containsExactlyElementsOf(mounts);

        List<String> keys = spec.env().stream().map(EnvVar::key).toList();
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(keys).filteredOn("MPC_IMAGE_HASH"::equals).hasSize(1);
        assertThat(spec.env()).contains(new EnvVar("MPC_IMAGE_HASH", plan.selection().digest().bareHex(), false),
                new EnvVar("MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin", false));
        if (tee) {
            assertThat(spec.env()).contains(new EnvVar("DSTACK_ENDPOINT", "/var/run/dstack.sock", false));
        } else {
            assertThat(keys).doesNotContain("DSTACK_ENDPOINT");
        }
        int passed = 0;
        for (EnvVar v : spec.env()) {
            String k = v.key();
            assertThat(ALLOWED_KEY.matcher(k).matches() || ContainerRules.EXTRA_KEYS.contains(k) || k.equals("DSTACK_ENDPOINT"))
                    .as("key %s allowed", k).isTrue();
            assertThat(ContainerRules.DENIED_KEYS).doesNotContain(k);
            assertThat(k.toUpperCase(Locale.ROOT) + "=" + v.value().toUpperCase(Locale.ROOT)).doesNotContain("LD_PRELOAD");
            assertThat(v.value().chars()).as("control characters in %s", k)
                    .noneMatch(ch -> ch != '\t' && Character.getType(ch) == Character.CONTROL);
            assertThat(v.value().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(ContainerRules.MAX_VALUE_BYTES);
            assertThat(v.secret()).as("secret flag of %s", k).isEqualTo(ContainerRules.isSecret(k));
            if (!ContainerRules.RESERVED_KEYS.contains(k)) passed++;
        }
        assertThat(passed).isLessThanOrEqualTo(ContainerRules.MAX_PASSED);
        p.checks().forEach(check -> check.verify(plan));

        List<String> text = new ArrayList<>(said);
        plan.rejected().forEach(r -> text.add(r.key() + " " + r.reason()));
        text.addAll(spec.redactedEnv());
        text.add(plan.toString());
        noSecrets(text);
    }

    private static void noSecrets(List<String> text) {
        String all = String.join("\n", text);
        for (String secret : Workspace.SECRETS) {
            assertThat(all).as("a secret value leaked").doesNotContain(secret);
        }
    }
}
