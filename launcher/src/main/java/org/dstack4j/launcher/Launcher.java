package org.dstack4j.launcher;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.engine.ContainerEngine;
import org.dstack4j.launcher.measurement.Measurement;
import org.dstack4j.launcher.measurement.Measurer;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.engine.ExistingContainer;
import org.dstack4j.launcher.nodeconfig.NodeConfigFile;
import org.dstack4j.launcher.nodeconfig.PullRetry;
import org.dstack4j.launcher.nodeconfig.TomlLaunch;
import org.dstack4j.launcher.registry.DigestKind;
import org.dstack4j.launcher.registry.Sleeper;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Runs steps 4–6 of a launch (docs/launcher.md "Flow") for a {@link LaunchPlan} that already holds
 * steps 1–3: registry validation, pull and image-ID check, measurement (TEE only), container start.
 *
 * <p>Fail closed: any failure throws a {@link LaunchException} naming the step; RTMR3 is extended
 * only after the registry and the engine both proved the selected image, exactly once, and the
 * container is started only after that.
 */
public final class Launcher {
    /** Label holding the SHA-256 of the node config the container was started with (TOML mode). */
    public static final String NODE_CONFIG_LABEL = "org.dstack4j.node-config";

    /** Proves the registry serves the selected image (step 4a). */
    @FunctionalInterface
    public interface RegistryValidation {
        ValidatedImage validate(ImageReference reference, ImageDigest selected, Consumer<String> log)
                throws LaunchException;
    }

    /**
     * A dependency that may still be starting (e.g. an engine client built on another thread while
     * the registry is checked), so start-up work overlaps the launch instead of preceding it.
     */
    @FunctionalInterface
    public interface Deferred<T> {
        /** Waits for the value; throws the launch error its creation ended with. */
        T get() throws LaunchException;

        static <T> Deferred<T> of(T value) {
            return () -> value;
        }
    }

    private final RegistryValidation registry;
    private final Deferred<ContainerEngine> engine;
    private final Optional<Deferred<Measurer>> measurer;
    private final Optional<RegistryCredentials> credentials;
    private final LaunchListener listener;
    private final Sleeper sleeper;

    /**
     * @param registry    the registry check
     * @param engine      the container engine
     * @param measurer    the guest agent; must be present exactly when the plan's platform is TEE
     * @param credentials credentials for the plan's registry, passed to the engine's pull
     * @param listener    progress sink
     */
    public Launcher(
            RegistryValidation registry,
            ContainerEngine engine,
            Optional<Measurer> measurer,
            Optional<RegistryCredentials> credentials,
            LaunchListener listener) {
        this(registry, Deferred.of(engine), measurer.map(Deferred::of), credentials, listener);
    }

    /** As above, with the engine and the measurer possibly still being created. */
    public Launcher(
            RegistryValidation registry,
            Deferred<ContainerEngine> engine,
            Optional<Deferred<Measurer>> measurer,
            Optional<RegistryCredentials> credentials,
            LaunchListener listener) {
        this.registry = Objects.requireNonNull(registry);
        this.engine = Objects.requireNonNull(engine);
        this.measurer = Objects.requireNonNull(measurer);
        this.credentials = Objects.requireNonNull(credentials);
        this.listener = Objects.requireNonNull(listener);
        this.sleeper = Sleeper.SYSTEM;
    }

    private Launcher(Launcher base, Sleeper sleeper) {
        this.registry = base.registry;
        this.engine = base.engine;
        this.measurer = base.measurer;
        this.credentials = base.credentials;
        this.listener = base.listener;
        this.sleeper = Objects.requireNonNull(sleeper);
    }

    /** The same launcher waiting between pull retries with {@code sleeper} (tests record the delays). */
    public Launcher withSleeper(Sleeper sleeper) {
        return new Launcher(this, sleeper);
    }

    /**
     * Runs steps 4–6.
     *
     * @param plan      the result of steps 1–3
     * @param timings   durations recorded so far (steps 1–3); this launch adds its own
     * @param startedAt when step 1 began
     * @throws LaunchException on any failure; nothing is started then
     */
    public LaunchReport launch(LaunchPlan plan, StepTimings timings, Instant startedAt) throws LaunchException {
        boolean tee = plan.platform() == Platform.TEE;
        if (tee != measurer.isPresent()) {
            throw new IllegalArgumentException("a measurer is required in TEE mode and forbidden in NONTEE mode");
        }
        ImageDigest selected = plan.selection().digest();

        long t0 = System.nanoTime();
        ValidatedImage validated = registry.validate(plan.image(), selected, line -> listener.progress(LaunchStep.REGISTRY, line));
        if (!validated.approvedDigest().equals(selected)) {
            // Defence in depth: the validator must only return a match.
            throw new RegistryException(LaunchStep.REGISTRY, plan.image().repository(),
                    "registry validation returned " + validated.kind().label() + " " + validated.approvedDigest()
                            + " instead of " + selected,
                    "report this as a bug; nothing was started");
        }
        done(timings, LaunchStep.REGISTRY, t0, switch (validated.kind()) {
            case MANIFEST -> "the registry serves manifest " + selected + " (" + validated.mediaType()
                    + ") by digest: the approved digest is a manifest digest; linux/amd64 image " + validated.imageId();
            case IMAGE_ID -> "tag " + validated.tag() + " serves manifest " + validated.manifestDigest() + " ("
                    + validated.mediaType() + ") whose config is " + selected + ": the approved digest is an image ID";
        });

        t0 = System.nanoTime();
        listener.progress(LaunchStep.PULL, "pulling " + validated.pullReference());
        ContainerEngine engine = this.engine.get();
        ImageDigest localId = pull(engine, plan, validated);
        if (!localId.equals(validated.imageId())) {
            throw new EngineException(LaunchStep.PULL, validated.pullReference(),
                    "the engine's image ID " + localId + " differs from the " + validated.imageId() + " the registry proved",
                    "the engine or registry is not serving the validated image; nothing was started");
        }
        if (validated.kind() == DigestKind.MANIFEST) {
            List<String> repoDigests = engine.repoDigests(localId.toString());
            if (repoDigests.stream().noneMatch(d -> d.endsWith("@" + selected))) {
                throw new EngineException(LaunchStep.PULL, validated.pullReference(),
                        "the pulled image's RepoDigests " + repoDigests + " do not contain the approved " + selected,
                        "the engine did not pull by the approved manifest digest; nothing was started");
            }
        }
        done(timings, LaunchStep.PULL, t0, "local image ID " + localId + (validated.kind() == DigestKind.MANIFEST
                ? ", pulled by manifest digest " + selected + " (in RepoDigests)"
                : " equals the selected digest"));

        Optional<Measurement> measurement = Optional.empty();
        if (tee) {
            t0 = System.nanoTime();
            Measurement m = measurer.get().get().measure(selected, line -> listener.progress(LaunchStep.MEASURE, line));
            measurement = Optional.of(m);
            done(timings, LaunchStep.MEASURE, t0, "RTMR3 " + abbreviate(m.rtmr3Before()) + " -> " + abbreviate(m.rtmr3After())
                    + " (extended by " + Measurer.EVENT_NAME + ")");
        }

        t0 = System.nanoTime();
        ContainerSpec spec = plan.container().withImage(localId.toString());
        String name = spec.name();
        boolean replaced = false;
        boolean reused = false;
        String id;
        if (plan.toml().isPresent()) {
            TomlLaunch toml = plan.toml().get();
            spec = spec.withLabel(NODE_CONFIG_LABEL, toml.nodeConfig().digest().toString());
            NodeConfigFile.writeAtomically(toml.file(), toml.nodeConfig().toml());
            listener.progress(LaunchStep.START, "wrote the node config " + toml.file() + " (mode 0600, sha256 "
                    + toml.nodeConfig().digest().bareHex() + ")");
            // near/mpc #3705: an unchanged relaunch keeps the container, so its logs survive.
            Optional<ExistingContainer> existing = engine.container(name);
            String fingerprint = spec.fingerprint().toString();
            if (existing.isPresent() && fingerprint.equals(existing.get().labels().get(DockerEngine.SPEC_LABEL))) {
                id = existing.get().id();
                if (!existing.get().running()) {
                    engine.ensureNetwork(spec.network()); // it may have been removed while the node was stopped
                    engine.start(id);
                }
                reused = true;
            } else {
                if (existing.isPresent()) {
                    listener.progress(LaunchStep.START, "the existing " + name + " differs (image, config or settings): replacing it");
                }
                replaced = engine.removeContainer(name);
                id = engine.createAndStart(spec);
            }
        } else {
            replaced = engine.removeContainer(name);
            if (replaced) listener.progress(LaunchStep.START, "removed the previous " + name + " container");
            id = engine.createAndStart(spec);
        }
        done(timings, LaunchStep.START, t0, "container " + name + " " + id.substring(0, Math.min(12, id.length()))
                + (reused ? " reused (unchanged) and running, from " : " started from ") + selected
                + " (restart policy " + spec.restartPolicy() + ")");

        return new LaunchReport(startedAt, plan.platform().name(), plan.selection(), validated, localId.toString(),
                measurement, id, replaced, reused, spec, plan.rejected(), timings.snapshot(), plan.toml());
    }

    /** The engine pull; in TOML mode retried with the plan's back-off (production's {@code pull_with_retry}). */
    private ImageDigest pull(ContainerEngine engine, LaunchPlan plan, ValidatedImage validated) throws LaunchException {
        Optional<PullRetry> retry = plan.toml().map(TomlLaunch::pull);
        int retries = retry.map(PullRetry::maxRetries).orElse(0);
        Duration spent = Duration.ZERO; // pulls as measured, waits as asked of the sleeper
        for (int attempt = 0; ; attempt++) {
            long t0 = System.nanoTime();
            try {
                return engine.pull(validated, credentials, line -> listener.progress(LaunchStep.PULL, line));
            } catch (EngineException e) {
                if (attempt >= retries) throw e;
                if (e.permanent()) {
                    listener.progress(LaunchStep.PULL, "pull failed: " + e.getMessage() + "; not retried (a retry cannot mend it)");
                    throw e;
                }
                Duration delay = retry.orElseThrow().delayBefore(attempt + 1);
                spent = spent.plusNanos(System.nanoTime() - t0);
                if (spent.plus(delay).compareTo(PullRetry.MAX_TOTAL) > 0) {
                    listener.progress(LaunchStep.PULL, "pull failed: " + e.getMessage() + "; retries stopped after " + (attempt + 1)
                            + " pull(s): the next would start past the " + PullRetry.MAX_TOTAL.toMinutes() + "-minute budget of pulls and waits");
                    throw e;
                }
                spent = spent.plus(delay);
                listener.progress(LaunchStep.PULL, "pull failed: " + e.getMessage() + "; retry " + (attempt + 1) + " of "
                        + retries + " in " + delay.toMillis() + " ms");
                try {
                    if (!delay.isZero()) sleeper.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new EngineException(LaunchStep.PULL, validated.pullReference(), "interrupted between pull retries",
                            "launch again", ie);
                }
            }
        }
    }

    private void done(StepTimings timings, LaunchStep step, long startNanos, String summary) {
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        timings.record(step, took);
        listener.stepDone(step, took, summary);
    }

    private static String abbreviate(String hex) {
        return hex.length() > 16 ? hex.substring(0, 16) + "…" : hex;
    }
}
