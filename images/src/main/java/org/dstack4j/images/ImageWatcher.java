package org.dstack4j.images;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.daemon.ChainSource;

/**
 * One KubernEthes step inside a member CVM: reads the contract's approved images at {@code head − confirmations},
 * rewrites the launcher's approved hashes file when they changed (never empty), and says what the running image
 * needs: nothing, a reboot to the newest image, or an immediate stop because it was revoked.
 *
 * <p>The launcher runs once per boot and verifiers demand exactly one {@code mpc-image-digest} event, so an
 * upgrade is a reboot (asked of the host); a revoked running image is stopped at once. This class decides; the
 * caller acts (see docs/cluster-apps.md, "KubernEthes").
 */
public final class ImageWatcher {
    private final ChainSource chain;
    private final ClusterContract contract;
    private final int confirmations;
    private final Path file;

    /** One endpoint read directly (tests, devnets): {@link #ImageWatcher(ChainSource, ClusterContract, int, Path)}. */
    public ImageWatcher(JsonRpcClient rpc, ClusterContract contract, int confirmations, Path file) {
        this(ChainSource.single(rpc), contract, confirmations, file);
    }

    /**
     * @param chain         where reads go: in a member CVM the node's pinned endpoints through the relay tunnel, with
     *                      the pinned quorum ({@code NodeChain}); every read is pinned at one block they agree on
     * @param confirmations read at head minus this many blocks
     * @param file          the launcher's approved hashes file, usually {@link ImageDigestFile#DEFAULT}
     */
    public ImageWatcher(ChainSource chain, ClusterContract contract, int confirmations, Path file) {
        this.chain = chain;
        this.contract = contract;
        this.confirmations = confirmations;
        this.file = file;
    }

    /** What one step found and did. */
    public sealed interface Step permits Updated, NoApprovedImages {}

    /**
     * @param written     whether the file was rewritten (false: identical content)
     * @param newest      the newest approved digest (hex)
     * @param action      what the running image needs
     */
    public record Updated(boolean written, String newest, Action action) implements Step {}

    /** The contract approves no image: the file is kept as it is (never empty) and the running image is revoked. */
    public record NoApprovedImages(Action action) implements Step {}

    /** What the running image needs. */
    public enum Action {
        /** It is the newest approved image. */
        NONE,
        /** A newer image is approved and the running one still is: ask the host for a reboot. */
        REBOOT_FOR_NEWER,
        /** The running image is no longer approved: stop its container now. */
        STOP_REVOKED
    }

    /**
     * @param running the digest of the image the launcher started this boot (32 bytes), if any
     * @throws RpcException when the chain cannot be read
     * @throws IOException  when the file cannot be written (the old one is kept)
     */
    public Step step(Optional<byte[]> running) throws RpcException, ClusterContractException, IOException {
        return step(pin(), running);
    }

    /** A view of the chain at {@code head − confirmations} (a quorum view with several endpoints), for {@link #step(ChainReader, Optional)}. */
    public ChainReader pin() throws RpcException {
        return chain.pin(confirmations);
    }

    /** {@link #step(Optional)} at a view the caller pinned (so it knows the block it acted on). */
    public Step step(ChainReader view, Optional<byte[]> running) throws RpcException, ClusterContractException, IOException {
        List<byte[]> images = contract.reads(view).approvedImages();
        Optional<String> run = running.map(HexFormat.of()::formatHex);
        if (images.isEmpty()) {
            return new NoApprovedImages(run.isPresent() ? Action.STOP_REVOKED : Action.NONE);
        }
        List<String> hex = images.stream().map(HexFormat.of()::formatHex).toList();
        boolean written = ImageDigestFile.write(file, images) == ImageDigestFile.Written.WRITTEN;
        Action action = run.isEmpty() || run.get().equals(hex.getFirst()) ? Action.NONE
                : hex.contains(run.get()) ? Action.REBOOT_FOR_NEWER : Action.STOP_REVOKED;
        return new Updated(written, hex.getFirst(), action);
    }
}
