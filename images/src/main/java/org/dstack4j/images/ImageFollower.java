package org.dstack4j.images;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;
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

    public ImageFollower(ImageWatcher watcher, ContainerEngine engine, RebootRequest reboot) {
        this.watcher = watcher;
        this.engine = engine;
        this.reboot = reboot;
    }

    /** What one round did. */
    public record Round(ImageWatcher.Step step, Optional<String> running, boolean stopped, boolean rebootAsked) {}

    /** Reads the chain, rewrites the file, stops a revoked container or asks for a reboot. */
    public Round round() throws RpcException, ClusterContractException, IOException, EngineException {
        Optional<ExistingContainer> c = engine.container(ContainerRules.NAME);
        Optional<String> running = c.filter(ExistingContainer::running)
                .flatMap(x -> Optional.ofNullable(x.labels().get(DockerEngine.IMAGE_ID_LABEL)))
                .flatMap(ImageDigest::parse).map(ImageDigest::bareHex);
        ImageWatcher.Step step = watcher.step(running.map(HexFormat.of()::parseHex));
        ImageWatcher.Action action = switch (step) {
            case ImageWatcher.Updated u -> u.action();
            case ImageWatcher.NoApprovedImages n -> n.action();
        };
        boolean stopped = false;
        boolean asked = false;
        if (action == ImageWatcher.Action.STOP_REVOKED) {
            stopped = engine.removeContainer(ContainerRules.NAME);
        } else if (action == ImageWatcher.Action.REBOOT_FOR_NEWER && step instanceof ImageWatcher.Updated u) {
            reboot.request(u.newest());
            asked = true;
        }
        return new Round(step, running, stopped, asked);
    }
}
