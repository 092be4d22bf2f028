package org.dstack4j.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.engine.ContainerEngine;
import org.dstack4j.launcher.engine.DockerEngine;
import org.dstack4j.launcher.engine.ExistingContainer;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long-running follower against real anvil and the compiled contract: each change is acted on once (one reboot
 * request per newest image, one removal of a revoked container) however many rounds pass, failed rounds back off by
 * doubling up to the cap and recover, and a stop ends the loop even during a long back-off. The container engine is a
 * TEST DOUBLE here (this module's tests have no dockerd); KubernEthesLaunchTest (e2e) runs the command against a real
 * dockerd.
 */
class ImageWatchLoopTest extends AnvilChainTest {

    @TempDir
    Path dir;

    static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    /** TEST DOUBLE of the engine: one launcher container (or none), removals counted, failures on demand. */
    static final class OneContainer implements ContainerEngine {
        volatile Optional<String> image = Optional.empty();
        final AtomicInteger removals = new AtomicInteger();
        final AtomicInteger failNext = new AtomicInteger();
        final AtomicInteger rounds = new AtomicInteger();

        @Override
        public Optional<ExistingContainer> container(String name) throws EngineException {
            rounds.incrementAndGet(); // each round starts here
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new EngineException(LaunchStep.START, "docker", "engine unreachable (test)", "none");
            }
            return image.map(h -> new ExistingContainer("c".repeat(64), Map.of(DockerEngine.IMAGE_ID_LABEL, "sha256:" + h), true));
        }

        @Override
        public boolean removeContainer(String name) {
            if (image.isEmpty()) return false;
            image = Optional.empty();
            removals.incrementAndGet();
            return true;
        }

        @Override
        public ImageDigest pull(ValidatedImage image, Optional<RegistryCredentials> credentials, Consumer<String> progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ImageDigest> imageId(String reference) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String createAndStart(ContainerSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    static Thread start(ImageWatchLoop loop) {
        Thread t = new Thread(loop::run, "image-watch-loop-test");
        t.start();
        return t;
    }

    /** Polls (no sleeps beyond 20 ms steps) until the condition holds, at most 20 s. */
    static void await(java.util.function.BooleanSupplier ok, Object what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void eachChangeIsActedOnOnce() throws Exception {
        ClusterContract c = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        Path f = dir.resolve("image-digest.bin");
        OneContainer engine = new OneContainer();
        List<String> reboots = new CopyOnWriteArrayList<>();
        List<String> log = new CopyOnWriteArrayList<>();
        ImageFollower follower = new ImageFollower(new ImageWatcher(anvil.rpc(), c, 2, f), engine, reboots::add);
        ImageWatchLoop loop = new ImageWatchLoop(follower, Duration.ofMillis(20), Duration.ofMillis(200), log::add);
        byte[] a = digest();
        byte[] b = digest();
        byte[] n = digest();
        approve(c, a);
        anvil.mine(2);
        engine.image = Optional.of(hex(a));
        Thread t = start(loop);
        try {
            await(() -> log.stream().anyMatch(l -> l.contains("newest=sha256:" + hex(a))), "the first round");
            approve(c, b);
            anvil.mine(2);
            await(() -> !reboots.isEmpty(), "a reboot request");
            anvil.mine(3); // more rounds at newer blocks with the same answer: no second request
            int seen = engine.rounds.get();
            await(() -> engine.rounds.get() > seen + 3, "later rounds");
            assertThat(reboots).containsExactly(hex(b));
            approve(c, n);
            anvil.mine(2);
            await(() -> reboots.size() == 2, "a request for the still newer image");
            assertThat(reboots).containsExactly(hex(b), hex(n));

            c.writes(governor).removePolicy(PolicyKind.IMAGE, a); // the running image is revoked
            anvil.mine(2);
            await(() -> engine.removals.get() == 1, "the revoked container removed");
            anvil.mine(3);
            int after = engine.rounds.get();
            await(() -> engine.rounds.get() > after + 3, "later rounds");
            assertThat(engine.removals).hasValue(1);
            assertThat(reboots).hasSize(2);
        } finally {
            loop.stop();
            assertThat(loop.awaitStopped(Duration.ofSeconds(20))).isTrue();
            t.join(5000);
        }
        assertThat(log.getFirst()).startsWith("event=start poll_ms=20");
        assertThat(log).anyMatch(l -> l.startsWith("event=round") && l.contains(" reboot=asked") && l.contains("newest=sha256:" + hex(b)));
        assertThat(log).anyMatch(l -> l.contains("action=STOP_REVOKED") && l.contains(" container=removed"));
        assertThat(log).filteredOn(l -> l.contains(" reboot=asked")).hasSize(2);
        assertThat(log.getLast()).isEqualTo("event=stop");
        assertThat(ImageDigestFile.read(f).orElseThrow().stream().map(ImageDigest::bareHex)).containsExactly(hex(n), hex(b));
    }

    @Test
    void anAcceptedRebootThatNeverHappensIsAskedAgainAfterTheReaskInterval() throws Exception {
        ClusterContract c = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        OneContainer engine = new OneContainer();
        List<String> reboots = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(RND.nextLong()); // any origin, as nanoTime
        ImageFollower follower = new ImageFollower(new ImageWatcher(anvil.rpc(), c, 2, dir.resolve("f")), engine, reboots::add,
                Duration.ofMinutes(15), clock::get);
        byte[] a = digest();
        byte[] b = digest();
        byte[] n = digest();
        approve(c, a);
        approve(c, b);
        anvil.mine(2);
        engine.image = Optional.of(hex(a)); // the host accepts every request but never restarts: a stays running
        assertThat(follower.round().rebootAsked()).isTrue();
        clock.addAndGet(Duration.ofMinutes(15).minusNanos(1).toNanos());
        assertThat(follower.round().rebootAsked()).as("once per change within the interval").isFalse();
        assertThat(reboots).containsExactly(hex(b));
        clock.addAndGet(1);
        assertThat(follower.round().rebootAsked()).as("the interval passed with a still running").isTrue();
        assertThat(follower.round().rebootAsked()).isFalse();
        assertThat(reboots).containsExactly(hex(b), hex(b));

        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        approve(c, n); // a still newer image: asked at once, and the interval counts from then
        anvil.mine(2);
        assertThat(follower.round().rebootAsked()).isTrue();
        clock.addAndGet(Duration.ofMinutes(14).toNanos());
        assertThat(follower.round().rebootAsked()).isFalse();
        assertThat(reboots).containsExactly(hex(b), hex(b), hex(n));

        engine.image = Optional.of(hex(n)); // the reboot happened (as seen by a follower that kept its state)
        clock.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(follower.round().rebootAsked()).as("the newest runs: nothing to ask").isFalse();
        assertThat(reboots).hasSize(3);
        assertThatThrownBy(() -> new ImageFollower(null, engine, x -> {}, Duration.ZERO, clock::get))
                .hasMessage("the reboot re-ask interval must be positive");
    }

    @Test
    void failedRoundsBackOffByDoublingAndRecover() throws Exception {
        ClusterContract c = ClusterContract.deploy(governor, governor.from(), 0, 16, 40);
        anvil.mine(2); // the contract confirmed: the rounds that fail, fail on the engine only
        OneContainer engine = new OneContainer();
        engine.failNext.set(4);
        List<String> log = new CopyOnWriteArrayList<>();
        ImageWatchLoop loop = new ImageWatchLoop(new ImageFollower(new ImageWatcher(anvil.rpc(), c, 2, dir.resolve("f")), engine,
                x -> {}), Duration.ofMillis(10), Duration.ofMillis(40), log::add);
        Thread t = start(loop);
        try {
            await(() -> log.stream().anyMatch(l -> l.startsWith("event=round")), new Object() { public String toString() { return "a successful round: " + log; } });
        } finally {
            loop.stop();
            assertThat(loop.awaitStopped(Duration.ofSeconds(20))).isTrue();
            t.join(5000);
        }
        assertThat(log.stream().filter(l -> l.startsWith("event=error")).map(l -> l.replaceAll(".* retry_in_ms=(\\d+) .*", "$1")))
                .containsExactly("10", "20", "40", "40");
        assertThat(log).filteredOn(l -> l.startsWith("event=error")).allMatch(l -> l.contains("kind=EngineException")
                && l.contains("error=\"engine unreachable (test)\""));
        assertThat(log).contains("event=recovered after_failures=4");
        assertThat(log.get(log.indexOf("event=recovered after_failures=4") + 1)).startsWith("event=round block=");
    }

    @Test
    void anUnreachableChainIsRetriedAndAStopEndsALongBackOff() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        List<String> log = new CopyOnWriteArrayList<>();
        try (JsonRpcClient dead = new JsonRpcClient(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2), 1 << 20)) {
            ClusterContract c = new ClusterContract(governor.from());
            ImageWatchLoop loop = new ImageWatchLoop(new ImageFollower(new ImageWatcher(dead, c, 2, dir.resolve("f")), new OneContainer(),
                    x -> {}), Duration.ofSeconds(30), Duration.ofMinutes(10), log::add);
            Thread t = start(loop);
            await(() -> log.stream().anyMatch(l -> l.startsWith("event=error")), "the first failed round");
            long asked = System.nanoTime();
            loop.stop();
            assertThat(loop.awaitStopped(Duration.ofSeconds(10))).isTrue();
            t.join(5000);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(10)); // not the 30 s back-off
        }
        assertThat(log.get(1)).startsWith("event=error failures=1 retry_in_ms=30000 kind=RpcException");
        assertThat(log.getLast()).isEqualTo("event=stop");
        assertThat(dir.resolve("f")).doesNotExist();
    }

    @Test
    void theDelayDoublesUpToTheCap() {
        ImageWatchLoop loop = new ImageWatchLoop(new ImageFollower(null, new OneContainer(), x -> {}), Duration.ofSeconds(6),
                Duration.ofSeconds(120), x -> {});
        assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 60).stream().map(loop::delayAfter).map(Duration::toSeconds))
                .containsExactly(6L, 6L, 12L, 24L, 48L, 96L, 120L, 120L);
    }
}
