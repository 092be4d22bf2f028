package org.dstack4j.images;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;
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
 */
public final class ImageFollower {
    /** How the member asks its host for a reboot (the host relay; the host logs it and its VMM acts). */
    @FunctionalInterface
    public interface RebootRequest {
        /** @param newest the newest approved digest, hex */
        void request(String newest) throws IOException;
    }

    private final ImageWatcher watcher;
    private final ContainerEngine engine;
    private final RebootRequest reboot;
    /** The newest digest a reboot was already asked for in this process (this boot): asked once per change. */
    private Optional<String> rebootAskedFor = Optional.empty();

    public ImageFollower(ImageWatcher watcher, ContainerEngine engine, RebootRequest reboot) {
        this.watcher = watcher;
        this.engine = engine;
        this.reboot = reboot;
    }

    /**
     * What one round did.
     *
     * @param block       the block the contract was read at ({@code head − confirmations})
     * @param running     the running image's digest (hex), if the launcher's container runs
     * @param stopped     whether this round removed the revoked running container
     * @param rebootAsked whether this round asked the host for a reboot (false when already asked for this newest)
     */
    public record Round(long block, ImageWatcher.Step step, Optional<String> running, boolean stopped, boolean rebootAsked) {}

    /**
     * Reads the chain, rewrites the file, stops a revoked container or asks for a reboot. Each action happens once per
     * change: a removed container is gone at the next round, and a reboot is asked once per newest digest (again
     * only if the request failed, which throws, or a still newer image is approved). Not thread-safe: one loop
     * drives it.
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
                && !rebootAskedFor.equals(Optional.of(u.newest()))) {
            reboot.request(u.newest());
            rebootAskedFor = Optional.of(u.newest());
            asked = true;
        }
        return new Round(view.block().number(), step, running, stopped, asked);
    }
}
