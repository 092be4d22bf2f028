package org.dstack4j.images;

import java.io.IOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.container.ContainerRules;
import org.dstack4j.launcher.engine.ContainerEngine;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.engine.ExistingContainer;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Acts on an {@link ImageWatcher} step inside the member CVM: the running image is the one the launcher's
 * container ({@value ContainerRules#NAME}) carries in its {@value DockerEngine#IMAGE_ID_LABEL} label; a revoked
 * running image has its container removed at once (force: stopped; its volumes are kept), a newer approved image
 * makes the member ask its host for a reboot (the launcher picks the newest at the next boot and measures it).
 * The host is untrusted and restarts in the background, so an accepted request may come to nothing: while the
 * running image is still not the newest one {@code reask} after the last request, the member asks again.
 */
public final class ImageFollower {
    /** How the member asks its host for a reboot (the host relay; the host logs it and its VMM acts). */
    @FunctionalInterface
    public interface RebootRequest {
        /** @param newest the newest approved digest, hex */
        void request(String newest) throws IOException;
    }

    /** Default delay before asking again for the same newest image (above the relay's default rate limit, 10 min). */
    public static final Duration DEFAULT_REASK = Duration.ofMinutes(15);

    private final ImageWatcher watcher;
    private final ContainerEngine engine;
    private final RebootRequest reboot;
    private final Duration reask;
    private final LongSupplier nanoClock;
    /** The newest digest a reboot was last asked for in this process (this boot), and when: asked once per change. */
    private Optional<String> rebootAskedFor = Optional.empty();
    private long rebootAskedAt;

    /** As {@link #ImageFollower(ImageWatcher, ContainerEngine, RebootRequest, Duration, LongSupplier)} with {@link #DEFAULT_REASK}. */
    public ImageFollower(ImageWatcher watcher, ContainerEngine engine, RebootRequest reboot) {
        this(watcher, engine, reboot, DEFAULT_REASK, System::nanoTime);
    }

    /**
     * @param reask     how long after an accepted reboot request for the newest image, still not running, the member
     *                  asks again (the host may have failed or ignored it); positive
     * @param nanoClock {@link System#nanoTime} (tests pass their own)
     */
    public ImageFollower(ImageWatcher watcher, ContainerEngine engine, RebootRequest reboot, Duration reask, LongSupplier nanoClock) {
        if (reask.isZero() || reask.isNegative()) throw new IllegalArgumentException("the reboot re-ask interval must be positive");
        this.watcher = watcher;
        this.engine = engine;
        this.reboot = reboot;
        this.reask = reask;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * What one round did.
     *
     * @param block       the block the contract was read at ({@code head − confirmations})
     * @param running     the running image's digest (hex), if the launcher's container runs
     * @param stopped     whether this round removed the revoked running container
     * @param rebootAsked whether this round asked the host for a reboot (false when already asked for this newest less
     *                    than the re-ask interval ago)
     */
    public record Round(long block, ImageWatcher.Step step, Optional<String> running, boolean stopped, boolean rebootAsked) {}

    /**
     * Reads the chain, rewrites the file, stops a revoked container or asks for a reboot. Each action happens once per
     * change: a removed container is gone at the next round, and a reboot is asked once per newest digest (again
     * only if the request failed, which throws, a still newer image is approved, or the re-ask interval passed with
     * that image still not running). Not thread-safe: one loop drives it.
     *
     * @throws IOException when the file cannot be written or the reboot request fails (retried next round)
     */
    public Round round() throws RpcException, ClusterContractException, IOException, EngineException {
        Optional<ExistingContainer> c = engine.container(ContainerRules.NAME);
        Optional<String> running = c.filter(ExistingContainer::running)
                .flatMap(x -> Optional.ofNullable(x.labels().get(DockerEngine.IMAGE_ID_LABEL)))
                .flatMap(ImageDigest::parse).map(ImageDigest::bareHex);
        ChainReader view = watcher.pin();
        ImageWatcher.Step step = watcher.step(view, running.map(HexFormat.of()::parseHex));
        ImageWatcher.Action action = switch (step) {
            case ImageWatcher.Updated u -> u.action();
            case ImageWatcher.NoApprovedImages n -> n.action();
        };
        boolean stopped = false;
        boolean asked = false;
        if (action == ImageWatcher.Action.STOP_REVOKED) {
            stopped = engine.removeContainer(ContainerRules.NAME);
        } else if (action == ImageWatcher.Action.REBOOT_FOR_NEWER && step instanceof ImageWatcher.Updated u
                && (!rebootAskedFor.equals(Optional.of(u.newest())) || nanoClock.getAsLong() - rebootAskedAt >= reask.toNanos())) {
            reboot.request(u.newest());
            rebootAskedFor = Optional.of(u.newest());
            rebootAskedAt = nanoClock.getAsLong();
            asked = true;
        }
        return new Round(view.block().number(), step, running, stopped, asked);
    }
}
