package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cli.cluster.HostCommand;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RebootForwarder;
import org.dstack4j.cluster.relay.RelayClient;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.vmm.VmmAuth;
import org.dstack4j.vmm.VmmClient;
import org.dstack4j.vmm.VmmDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VMM side of a node's reboot request: the node's relay call reaches the host relay (real relay server and client on
 * a unix socket), which restarts that CVM through the VMM (the VMM TEST DOUBLE: dstack-vmm needs KVM with TDX), at most
 * once per interval and one at a time; refusals reach the node as relay errors, and the option checks of
 * {@code cluster host} fail before anything starts.
 */
class HostRebootCliTest {
    @TempDir
    Path tmp;

    static void await(java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    static long count(VmmDouble vmm, String method) {
        return vmm.requests().stream().filter(r -> r.method().equals(method)).count();
    }

    @Test
    void aRebootRequestRestartsThatCvmThroughTheVmmAtMostOncePerInterval() throws Exception {
        AtomicLong now = new AtomicLong(0);
        List<String> log = new CopyOnWriteArrayList<>();
        try (VmmDouble vmm = new VmmDouble();
                VmmClient client = new VmmClient(vmm.url(), new VmmAuth.None(), Duration.ofSeconds(5));
                JsonRpcClient unused = new JsonRpcClient(URI.create("http://127.0.0.1:9"))) {
            String other = vmm.addVm("other", "running");
            String node = vmm.addVm("node", "running");
            // the reboot path never touches the chain: a sender on an unused endpoint
            TransactionSender sender = new TransactionSender(unused, SigningKey.of(key()),
                    java.math.BigInteger.ONE, Duration.ofSeconds(1), Duration.ofMillis(10));
            RebootForwarder forwarder = new RebootForwarder(HostCommand.vmmRestart(client, node, Duration.ofSeconds(5), Duration.ofMillis(10)),
                    "VM " + node, Duration.ofSeconds(600), now::get, log::add);
            HostRelay relay = HostRelay.withoutCollateral(new ClusterContract(Address.parse("0x" + "11".repeat(20))), sender).withReboots(forwarder);
            try (RelayServer server = RelayServer.start(tmp.resolve("relay.sock"), relay, Duration.ofSeconds(10));
                    RelayClient node1 = new RelayClient(server.socket(), Duration.ofSeconds(10))) {
                node1.requestReboot("newer approved image sha256:" + "ab".repeat(32));
                await(() -> count(vmm, "StartVm") == 1, "the VMM restart");
                assertThat(vmm.requests().stream().filter(r -> r.method().endsWith("Vm")).map(r -> r.method() + " " + r.body().path("id").asText()))
                        .containsExactly("ShutdownVm " + node, "StartVm " + node);
                assertThat(vmm.vm(node).get("status").asText()).isEqualTo("running");
                assertThat(vmm.vm(other).get("shutdown_progress").asText()).isEmpty();
                await(() -> log.stream().anyMatch(l -> l.startsWith("reboot done")), "the log line");
                assertThat(log).containsExactly("reboot forwarded: restarting VM " + node + " (newer approved image sha256:" + "ab".repeat(32) + ")",
                        "reboot done: VM " + node + " restarted (gracefully)");

                // within the interval: refused, and the node hears it (its watcher retries with its back-off)
                now.addAndGet(Duration.ofSeconds(599).toNanos());
                assertThatThrownBy(() -> node1.requestReboot("again")).isInstanceOf(RelayException.class)
                        .hasMessageContaining("502").hasMessageContaining("reboot rate limited by the host: ask again in 2 s");
                assertThat(log.getLast()).isEqualTo("reboot refused: rate limited (one per 600 s; next in 2 s)");
                assertThat(count(vmm, "ShutdownVm")).isEqualTo(1);

                // after it: a guest that ignores the shutdown is stopped hard after the grace period
                now.addAndGet(Duration.ofSeconds(2).toNanos());
                vmm.guestIgnoresShutdown = true;
                RebootForwarder quick = new RebootForwarder(HostCommand.vmmRestart(client, node, Duration.ofMillis(200), Duration.ofMillis(10)),
                        "VM " + node, Duration.ZERO, now::get, log::add);
                quick.request("x\u0007y");
                await(() -> count(vmm, "StartVm") == 2, "the second restart");
                assertThat(count(vmm, "StopVm")).isEqualTo(1);
                await(() -> log.getLast().startsWith("reboot done"), "its log line");
                assertThat(log.getLast()).isEqualTo("reboot done: VM " + node + " restarted (forced)");
                quick.close();
            } finally {
                forwarder.close();
            }
        }
    }

    @Test
    void aRestartInProgressRefusesAnotherAndAFailureIsLogged() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (RebootForwarder f = new RebootForwarder(() -> {
            release.await();
            throw new IllegalStateException("VMM http://127.0.0.1:1 is down\n(twice)");
        }, "VM x", Duration.ZERO, System::nanoTime, log::add)) {
            f.request("first");
            assertThatThrownBy(() -> f.request("second")).isInstanceOf(RelayException.class).hasMessage("the host is restarting this CVM already");
            release.countDown();
            await(() -> log.stream().anyMatch(l -> l.startsWith("reboot failed")), "the failure line");
            assertThat(log).containsExactly("reboot forwarded: restarting VM x (first)", "reboot refused: a restart of VM x is in progress",
                    "reboot failed: VMM http://127.0.0.1:1 is down(twice)");
            f.request("third"); // the interval is zero and nothing is in progress: accepted
            await(() -> log.size() == 5, "the third attempt");
        }
    }

    @Test
    void hostOptionsForTheVmmAreCheckedFirst() throws Exception {
        CliRun half = CliRun.of("cluster", "host", "--socket", tmp.resolve("r.sock").toString(), "--rpc", "http://127.0.0.1:9",
                "--contract", "0x" + "11".repeat(20), "--vm-id", "abc");
        assertThat(half.status()).isEqualTo(2);
        assertThat(half.err()).contains("give --vmm-url and --vm-id together (or neither)");
        try (VmmDouble vmm = new VmmDouble()) {
            CliRun unknown = CliRun.of("cluster", "host", "--socket", tmp.resolve("r.sock").toString(), "--rpc", "http://127.0.0.1:9",
                    "--contract", "0x" + "11".repeat(20), "--vmm-url", vmm.url().toString(), "--vm-id", "nope");
            assertThat(unknown.status()).isEqualTo(2);
            assertThat(unknown.err()).contains("--vm-id nope: VMM " + vmm.url() + " has no VM nope");
        }
        assertThat(tmp.resolve("r.sock")).doesNotExist();
    }

    static byte[] key() {
        byte[] k = new byte[32];
        k[31] = 7;
        return k;
    }
}
