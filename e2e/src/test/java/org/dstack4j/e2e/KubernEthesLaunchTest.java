package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.e2e.fixtures.OciImage;
import org.dstack4j.e2e.fixtures.OciImageBuilder;
import org.dstack4j.e2e.fixtures.OciImageSpec;
import org.dstack4j.e2e.fixtures.PrivateDockerd;
import org.dstack4j.e2e.fixtures.PrivateDockerdExtension;
import org.dstack4j.e2e.fixtures.PublishedImage;
import org.dstack4j.e2e.fixtures.RegistryFleet;
import org.dstack4j.e2e.fixtures.TokenServer;
import org.dstack4j.images.ImageDigestFile;
import org.dstack4j.images.ImageFollower;
import org.dstack4j.images.ImageWatcher;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * KubernEthes with our launcher: the cluster contract on anvil approves images, the member's follower rewrites the
 * launcher's approved hashes file once two blocks confirm, the launcher (CLI jar, private dockerd, a real
 * docker-registry, our agent process) starts the newest, a newer approval asks the host for a reboot and the next
 * launch runs it, and revoking the running image stops its container at once. The first approval is followed in
 * process; from the first launch on, the long-running {@code dstack4j cluster images watch} process drives it (one
 * reboot request per newer image, a revoked container removed, a clean stop on SIGTERM). The watcher, like a
 * cluster node, takes its cluster and RPC endpoints from the agent's measured app-compose: it gets no --rpc and reads
 * anvil only through the relay's tunnel, and a --contract other than the pinned one is refused.
 */
@ExtendWith(PrivateDockerdExtension.class)
class KubernEthesLaunchTest {
    static final String NAME = "e2e/kubernethes";

    @TempDir
    Path tmp;

    static byte[] digest(PublishedImage image) {
        return HexFormat.of().parseHex(image.imageIdHex());
    }

    @Test
    void theContractDrivesWhatTheLauncherRuns(PrivateDockerd dockerd, @TempDir Path storage) throws Exception {
        DockerClient docker = dockerd.client();
        try (RegistryFleet fleet = RegistryFleet.start(storage, TokenServer.Options.anonymousOrCredentials("u", "p"), "u", "p");
                Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
                DockerEngine engine = DockerEngine.connect(dockerd.dockerHost(), Duration.ofSeconds(5), Duration.ofSeconds(30))) {
            OciImageBuilder builder = OciImageBuilder.fromHostBusybox();
            PublishedImage v1 = fleet.publisher().publish(NAME, builder.image(OciImage.Format.DOCKER_V2, OciImageSpec.busybox("k1")), List.of("1"));
            PublishedImage v2 = fleet.publisher().publish(NAME, builder.image(OciImage.Format.OCI, OciImageSpec.busybox("k2")), List.of("2"));
            TransactionSender gov = new TransactionSender(anvil.rpc(), anvil.account(0), anvil.chainId(), Duration.ofSeconds(20), Duration.ofMillis(10));
            ClusterContract c = ClusterContract.deploy(gov, gov.from(), 0, 16, 40);
            // the member CVM's agent: its measured app-compose pins this cluster and anvil as its only RPC endpoint
            ClusterRef ref = new ClusterRef(anvil.chainId().longValueExact(), c.address());
            ClusterTestbed.Cvm agent = ClusterTestbed.Cvm.start(tmp, "member", ClusterTestbed.compose("member", ref, Optional.empty(), true,
                    List.of(anvil.url())), ClusterTestbed.profile());
            Path approved = tmp.resolve("image-digest.bin");
            // the member asks its host for a reboot through the relay socket; this host records what it is asked
            List<String> reboots = new java.util.concurrent.CopyOnWriteArrayList<>();
            Relay host = new Relay() {
                @Override
                public Submitted submit(ContractCall call) throws RelayException {
                    throw new RelayException("not in this test", null);
                }

                @Override
                public Collateral collateral(byte[] quote) throws RelayException {
                    throw new RelayException("not in this test", null);
                }

                @Override
                public void requestReboot(String reason) {
                    reboots.add(reason);
                }
            };
            // the relay tunnels to anvil only: the watcher gets no --rpc, so every chain read it makes goes through here
            RelayServer relayServer = RelayServer.start(tmp.resolve("relay.sock"), host, Duration.ofSeconds(10),
                    java.util.Set.of(RelayServer.tunnelTarget(anvil.url())));
            RelayClient relay = new RelayClient(relayServer.socket(), Duration.ofSeconds(10));
            ImageFollower follower = new ImageFollower(new ImageWatcher(anvil.rpc(), c, 2, approved), engine, newest -> {
                try {
                    relay.requestReboot("newer approved image sha256:" + newest);
                } catch (RelayException e) {
                    throw new java.io.IOException(e.getMessage(), e);
                }
            });
            Path tapp = Files.createDirectories(tmp.resolve("tapp"));
            Path userConfig = Files.writeString(tapp.resolve("user_config"), String.join("\n", "MPC_IMAGE_NAME=" + NAME,
                    "MPC_REGISTRY=" + fleet.anonymous().hostPort(), "MPC_IMAGE_TAGS=1,2", "MPC_ACCOUNT_ID=node1.testnet") + "\n");
            List<String> launch = List.of("launch", "--user-config", userConfig.toString(), "--approved-hashes", approved.toString(),
                    "--docker-host", dockerd.dockerHost(), "--tapp-dir", tapp.toString(), "--dstack-socket", agent.socket().toString());
            Map<String, String> env = Map.of("DOCKER_CONTENT_TRUST", "1", "PLATFORM", "TEE");
            try {
                // v1 approved: visible to the follower only after two confirmations
                c.writes(gov).proposePolicy(PolicyKind.IMAGE, digest(v1));
                c.writes(gov).applyPolicy(PolicyKind.IMAGE, digest(v1));
                follower.round();
                assertThat(approved).doesNotExist();
                anvil.mine(2);
                follower.round();
                assertThat(ImageDigestFile.read(approved).orElseThrow()).containsExactly(ImageDigest.parse(v1.imageId()).orElseThrow());
                Cli.Result first = Cli.run(env, Duration.ofMinutes(3), launch.toArray(String[]::new));
                assertThat(first.exit()).as(first.stderr()).isZero();
                assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v1.imageId());

                // from here the long-running command drives it, as it runs in a member CVM beside the launcher
                List<String> watchArgs = List.of("cluster", "images", "watch", "--agent-socket", agent.socket().toString(),
                        "--relay-socket", relayServer.socket().toString(), "--digest-file", approved.toString(),
                        "--docker-host", dockerd.dockerHost(), "--poll", "0.2", "--max-backoff", "2");
                // a --contract other than the pinned one is refused before anything is read or written
                List<String> otherContract = new java.util.ArrayList<>(watchArgs);
                otherContract.addAll(List.of("--contract", "0x" + "11".repeat(20), "--once"));
                Cli.Result refused = Cli.run(Map.of(), Duration.ofMinutes(1), otherContract.toArray(String[]::new));
                assertThat(refused.exit()).as(refused.stderr()).isEqualTo(2);
                assertThat(refused.stderr()).contains("--contract 0x" + "11".repeat(20) + " differs from the contract the app-compose pins ("
                        + c.address().toLowerHex() + ")");
                Path log = tmp.resolve("watch.log");
                List<String> pinned = new java.util.ArrayList<>(watchArgs);
                pinned.addAll(List.of("--contract", c.address().toLowerHex()));
                Process watch = Cli.start(log, pinned.toArray(String[]::new));
                try {
                    awaitLine(log, watch, "event=round", "the first round");
                    assertThat(Files.readString(log)).contains("reading the pinned RPC endpoints through the relay")
                            .contains("through_relay=true quorum=1");
                    // v2 approved: the file lists it first, the member asks its host for a reboot (once), the next launch runs it
                    c.writes(gov).proposePolicy(PolicyKind.IMAGE, digest(v2));
                    c.writes(gov).applyPolicy(PolicyKind.IMAGE, digest(v2));
                    anvil.mine(2);
                    awaitLine(log, watch, "reboot=asked", "a reboot request");
                    assertThat(reboots).containsExactly("newer approved image " + v2.imageId());
                    assertThat(ImageDigestFile.read(approved).orElseThrow().stream().map(ImageDigest::bareHex))
                            .containsExactly(v2.imageIdHex(), v1.imageIdHex());
                    Cli.Result second = Cli.run(env, Duration.ofMinutes(3), launch.toArray(String[]::new));
                    assertThat(second.exit()).as(second.stderr()).isZero();
                    assertThat(docker.inspectContainerCmd("mpc-node").exec().getImageId()).isEqualTo(v2.imageId());

                    // v2 revoked while it runs: the watcher removes its container at once; the file keeps only v1
                    c.writes(gov).removePolicy(PolicyKind.IMAGE, digest(v2));
                    anvil.mine(2);
                    awaitLine(log, watch, "container=removed", "the revoked container removed");
                    assertThat(runningNode(docker)).isFalse();
                    assertThat(ImageDigestFile.read(approved).orElseThrow().stream().map(ImageDigest::bareHex)).containsExactly(v1.imageIdHex());
                    assertThat(reboots).as("asked once for v2 over all the rounds in between").hasSize(1);
                } finally {
                    watch.destroy(); // SIGTERM: the round in progress ends, then the process exits
                    assertThat(watch.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                }
                List<String> lines = Files.readAllLines(log);
                assertThat(lines.getLast()).isEqualTo("dstack4j images: event=stop");
                assertThat(lines).filteredOn(l -> l.contains("reboot=asked")).hasSize(1);
                assertThat(lines).filteredOn(l -> l.contains("container=removed")).hasSize(1);
                assertThat(lines).noneMatch(l -> l.contains("event=error"));
            } finally {
                LaunchFixtures.removeNode(docker);
                relay.close();
                relayServer.close();
                agent.close();
            }
        }
    }

    /** Polls the watcher's log for a line containing {@code text} (at most 60 s; fails early if the process exits). */
    static void awaitLine(Path log, Process p, String text, String what) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(log).contains(text)) {
            if (!p.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("no " + what + " (" + text + ") in the watcher's log:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    static boolean runningNode(DockerClient docker) {
        try {
            return Boolean.TRUE.equals(docker.inspectContainerCmd("mpc-node").exec().getState().getRunning());
        } catch (NotFoundException e) {
            return false;
        }
    }
}
