package org.dstack4j.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.daemon.ChainSource;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's approved images drive the launcher's file (real anvil, the compiled contract, the launcher's own
 * parser reading the result): approvals appear newest first once two blocks confirm them, a revoked running image is
 * flagged for an immediate stop, a newer one for a reboot, and an empty list never empties the file.
 */
class ImageWatcherTest extends AnvilChainTest {

    @TempDir
    Path dir;

    static List<String> file(Path f) throws Exception {
        return ImageDigestFile.read(f).orElseThrow().stream().map(ImageDigest::bareHex).toList();
    }

    static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    @Test
    void approvalsRevocationsAndAnEmptyList() throws Exception {
        ClusterContract c = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        Path f = dir.resolve("image-digest.bin");
        ImageWatcher w = new ImageWatcher(anvil.rpc(), c, 2, f);
        byte[] a = digest();
        byte[] b = digest();
        approve(c, a);
        // not yet confirmed by two blocks: nothing approved in the watcher's view, nothing written
        assertThat(w.step(Optional.empty())).isEqualTo(new ImageWatcher.NoApprovedImages(ImageWatcher.Action.NONE));
        assertThat(f).doesNotExist();
        anvil.mine(2);
        assertThat(w.step(Optional.of(a))).isEqualTo(new ImageWatcher.Updated(true, hex(a), ImageWatcher.Action.NONE));
        assertThat(file(f)).containsExactly(hex(a));
        assertThat(w.step(Optional.of(a))).isEqualTo(new ImageWatcher.Updated(false, hex(a), ImageWatcher.Action.NONE));

        approve(c, b);
        anvil.mine(2);
        // newest first; the running image is still approved but older: reboot to the newer one
        assertThat(w.step(Optional.of(a))).isEqualTo(new ImageWatcher.Updated(true, hex(b), ImageWatcher.Action.REBOOT_FOR_NEWER));
        assertThat(file(f)).containsExactly(hex(b), hex(a));

        c.writes(governor).removePolicy(PolicyKind.IMAGE, a);
        anvil.mine(2);
        assertThat(w.step(Optional.of(a))).isEqualTo(new ImageWatcher.Updated(true, hex(b), ImageWatcher.Action.STOP_REVOKED));
        assertThat(file(f)).containsExactly(hex(b));

        c.writes(governor).removePolicy(PolicyKind.IMAGE, b);
        anvil.mine(2);
        assertThat(w.step(Optional.of(b))).isEqualTo(new ImageWatcher.NoApprovedImages(ImageWatcher.Action.STOP_REVOKED));
        assertThat(file(f)).as("never written empty").containsExactly(hex(b));
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("image-digest.bin"); // no temp left
        }
    }

    /**
     * In a member CVM the watcher reads through a quorum (cluster node's ChainSource): a minority endpoint on another
     * chain is outvoted; when no quorum agrees, the step fails and the file is left as it was.
     */
    @Test
    void aQuorumOutvotesAnEndpointOnAnotherChainAndNoQuorumWritesNothing() throws Exception {
        ClusterContract c = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        byte[] a = digest();
        approve(c, a);
        anvil.mine(2);
        Path f = dir.resolve("image-digest.bin");
        try (Anvil other = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20))) {
            other.mine(200); // higher than this chain: the pinned block exists there too, empty, so its hash differs
            JsonRpcClient liar = other.rpc();
            JsonRpcClient honest = new JsonRpcClient(anvil.url(), Duration.ofSeconds(5), JsonRpcClient.DEFAULT_MAX_RESPONSE);
            try (honest) {
                ImageWatcher majority = new ImageWatcher(new ChainSource(List.of(anvil.rpc(), liar, honest), 2), c, 2, f);
                assertThat(majority.step(Optional.of(a))).isEqualTo(new ImageWatcher.Updated(true, hex(a), ImageWatcher.Action.NONE));
                assertThat(file(f)).containsExactly(hex(a));

                byte[] b = digest();
                approve(c, b);
                anvil.mine(2);
                ImageWatcher split = new ImageWatcher(new ChainSource(List.of(anvil.rpc(), liar), 2), c, 2, f);
                assertThatThrownBy(() -> split.step(Optional.of(a))).isInstanceOfSatisfying(RpcException.class,
                        e -> assertThat(e.error()).isInstanceOf(RpcError.Disagreement.class));
                assertThat(file(f)).as("untouched without a quorum").containsExactly(hex(a));
            }
        }
    }

    @Test
    void theWriterRefusesWhatTheLauncherWouldRefuse() throws Exception {
        Path f = dir.resolve("image-digest.bin");
        byte[] a = digest();
        ImageDigestFile.write(f, List.of(a));
        assertThatThrownBy(() -> ImageDigestFile.write(f, List.of())).hasMessageContaining("never written empty");
        assertThatThrownBy(() -> ImageDigestFile.write(f, List.of(a, a))).hasMessageContaining("launcher would refuse");
        assertThatThrownBy(() -> ImageDigestFile.write(f, List.of(new byte[31]))).hasMessageContaining("32 bytes");
        assertThat(file(f)).containsExactly(hex(a));
    }
}
