package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.e2e.ClusterTestbed.Cvm;
import org.dstack4j.e2e.fixtures.FreePort;
import org.dstack4j.tls.CertificateStore;
import org.dstack4j.tls.testing.Pebble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unstoppable TLS in {@code dstack4j cluster node} processes: anvil with the contract, a genesis node and a joined
 * member (separate JVMs; the site is pinned in their app-compose, {@code dstack4j_cluster.tls}), Debian's pebble and challtestsrv on loopback. The host's port 80
 * is a TCP forwarder to the first member whose HTTP-01 port accepts (a host forwarding port 80 to a CVM). One member
 * orders the certificate and both serve it (the other reads it from the shared store and checks it); the ordering
 * member is killed; the other still serves the same certificate and {@code cluster check-tls} passes against it.
 */
class ClusterTlsProcessesTest {
    private static final String DOMAIN = "site.cluster.test";
    private static final Duration T = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void oneMemberOrdersBothServeAndTheOtherServesTheSameCertificateWhenItIsKilled() throws Exception {
        List<AutoCloseable> closers = new ArrayList<>();
        List<ClusterNodeProcess> nodes = new ArrayList<>();
        // pebble (about 10 s to start on a loaded machine) starts while anvil does
        java.util.concurrent.CompletableFuture<Pebble> starting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Pebble.start(dir);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try (Anvil anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20)); Pebble pebble = starting.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
            TransactionSender gov = sender(anvil, 0);
            ClusterContract contract = ClusterContract.deploy(gov, gov.from(), 0, 24, 256);
            ClusterRef ref = new ClusterRef(anvil.chainId().longValueExact(), contract.address());
            for (int i = 1; i <= 2; i++) contract.writes(gov).setOperator(anvil.account(i).address(), true);
            Path govKey = dir.resolve("gov.key");
            Files.writeString(govKey, HexFormat.of().formatHex(anvil.account(0).privateKeyBytes()));
            Path pebbleRoot = dir.resolve("pebble-root.pem");
            Files.writeString(pebbleRoot, CertificateStore.pem(List.of(pebble.root())));
            Path serverCa = dir.resolve("pebble-server-ca.pem");
            Files.writeString(serverCa, CertificateStore.pem(pebble.directory().serverTrust()));
            Path store = Files.createDirectories(dir.resolve("certs"));

            // the site is pinned in the measured compose (domain, ACME directory, the CA's root), as in production
            Cvm g = cvm(closers, "genesis", withSite(ClusterTestbed.compose("cluster-node", ref, Optional.empty(), true), pebble));
            Path collateral = dir.resolve("collateral.json");
            Files.writeString(collateral, g.tdx().collateral().toJson());
            Path testRoot = dir.resolve("root.pem");
            Files.writeString(testRoot, g.tdx().testRootPem());
            relay(closers, "genesis", contract, sender(anvil, 1), collateral);
            relay(closers, "member2", contract, sender(anvil, 2), collateral);

            // pebble's HTTP-01 port is bound first, then the members' four ports are drawn together: none of the five is
            // drawn twice (a port released and handed out again) before its owner binds it
            Forwarder port80 = new Forwarder(pebble.httpPort());
            closers.add(port80);
            int[] ports = FreePort.loopback(4);
            int[] http01 = {ports[0], ports[1]};
            int[] https = {ports[2], ports[3]};
            port80.forwardTo(http01);

            ClusterNodeProcess gn = node(nodes, "genesis", g, anvil, contract, tls(serverCa, store, http01[0], https[0]), "--genesis");
            gn.await("genesis-submitted", T);
            GenesisRecord rec = contract.reads(ChainView.pin(anvil.rpc(), 0)).genesis(BigInteger.ONE);
            contract.writes(gov).bootstrap(rec.id(), rec.node());
            gn.await("bootstrapped", T);
            var reads = contract.reads(ChainView.pin(anvil.rpc(), 0));
            String joiner = withSite(ClusterTestbed.compose("cluster-node", ref,
                    Optional.of(new ClusterPublicKeys(reads.clusterSigner(), reads.clusterEncKey())), true), pebble);
            Cvm m = cvm(closers, "member2", joiner);
            Cli.Result allow = Cli.run(Map.of(), T, "cluster", "gov", "allow", "--rpc", anvil.url().toString(), "--key-file", govKey.toString(),
                    "--contract", contract.address().toLowerHex(), "--apply", "--from-agent", m.socket().toString(),
                    "--dcap-root-cert", testRoot.toString(), "--tcb-status", "UpToDate");
            assertThat(allow.exit()).as(allow.stderr()).isZero();
            ClusterNodeProcess mn = node(nodes, "member2", m, anvil, contract, tls(serverCa, store, http01[1], https[1]));
            mn.await("joined", T);

            // both serve one certificate; exactly one of them ordered it
            gn.await("tls-serving", T);
            mn.await("tls-serving", T);
            JsonNode gc = gn.event("tls-certificate").orElseThrow();
            JsonNode mc = mn.event("tls-certificate").orElseThrow();
            assertThat(mc.path("sha256").asText()).isEqualTo(gc.path("sha256").asText());
            assertThat(gc.path("ordered").asBoolean()).isNotEqualTo(mc.path("ordered").asBoolean());
            boolean genesisOrdered = gc.path("ordered").asBoolean();
            ClusterNodeProcess a = genesisOrdered ? gn : mn;
            ClusterNodeProcess b = genesisOrdered ? mn : gn;
            int bPort = genesisOrdered ? https[1] : https[0];
            int aPort = genesisOrdered ? https[0] : https[1];

            a.kill();
            assertThat(connects(aPort)).as("the killed member no longer answers").isFalse();
            Cli.Result check = Cli.run(Map.of(), T, "cluster", "check-tls", "https://" + DOMAIN + ":" + bPort + "/", "--connect-to", "127.0.0.1:" + bPort,
                    "--collateral", collateral.toString(), "--trust-test-root", testRoot.toString(), "--ca-file", pebbleRoot.toString());
            assertThat(check.exit()).as(check.stdout() + check.stderr()).isZero();
            assertThat(check.stdout()).contains("certificate sha256 " + gc.path("sha256").asText()).contains("report-data").contains("VALID");
            assertThat(b.process.isAlive()).isTrue();
            assertThat(b.event("tls-error")).as(b.stdout()).isEmpty();
        } finally {
            starting.thenAccept(Pebble::close); // also when anvil failed to start (closing twice is harmless)
            ClusterNodeProcess.stopAll(nodes, closers);
        }
    }

    /** {@code compose} with {@code dstack4j_cluster.tls} naming the site, pebble's directory and its root. */
    private static String withSite(String compose, Pebble pebble) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(compose);
        ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("dstack4j_cluster")).putObject("tls").put("domain", DOMAIN)
                .put("acme_directory", pebble.directory().directory().toString()).put("acme_root", CertificateStore.pem(List.of(pebble.root())));
        return c.toPrettyString();
    }

    /** The host's side of TLS: where the members listen, the shared store, the ACME server's own HTTPS CA (the site is pinned). */
    private List<String> tls(Path serverCa, Path store, int http01, int https) {
        return List.of("--acme-server-ca", serverCa.toString(), "--tls-store", store.toString(), "--http01-listen", "127.0.0.1:" + http01,
                "--tls-listen", "127.0.0.1:" + https, "--tls-fallback-delay", "30");
    }

    private Cvm cvm(List<AutoCloseable> closers, String name, String compose) throws Exception {
        Cvm c = Cvm.start(dir, name, compose, ClusterTestbed.profile());
        closers.add(c);
        return c;
    }

    private void relay(List<AutoCloseable> closers, String name, ClusterContract c, TransactionSender sender, Path collateral) throws Exception {
        closers.add(RelayServer.start(dir.resolve(name + ".relay.sock"), HostRelay.withCollateralFile(c, sender, collateral), Duration.ofSeconds(60)));
    }

    private ClusterNodeProcess node(List<ClusterNodeProcess> nodes, String name, Cvm cvm, Anvil anvil, ClusterContract c, List<String> tls,
            String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--agent-socket", cvm.socket().toString(), "--relay-socket", dir.resolve(name + ".relay.sock").toString(),
                "--contract", c.address().toLowerHex(), "--rpc", anvil.url().toString(), "--confirmations", "0", "--poll-ms", "200",
                "--fallback-delay", "2", "--join-timeout", "120"));
        args.addAll(tls);
        args.addAll(List.of(extra));
        ClusterNodeProcess p = ClusterNodeProcess.start(dir, name, args);
        nodes.add(p);
        return p;
    }

    private static TransactionSender sender(Anvil anvil, int account) throws Exception {
        return new TransactionSender(anvil.rpc(), anvil.account(account), anvil.chainId(), Duration.ofSeconds(30), Duration.ofMillis(20));
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The host's port 80: each connection goes to the first of {@code targets} that accepts it (a dead member's port refuses). */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private volatile int[] targets = new int[0];

        Forwarder(int port) throws IOException {
            server = new ServerSocket(port, 16, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept();
                        int[] t = targets;
                        Thread.ofVirtual().start(() -> forward(in, t));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        /** Where the next connections go, in order (set before any member orders). */
        void forwardTo(int[] ports) {
            targets = ports.clone();
        }

        private static void forward(Socket in, int[] targets) {
            try (in) {
                for (int t : targets) {
                    try (Socket out = new Socket()) {
                        out.connect(new InetSocketAddress("127.0.0.1", t), 1000);
                        Thread up = Thread.ofVirtual().start(() -> copy(in, out));
                        copy(out, in);
                        up.join(5000);
                        return;
                    } catch (IOException e) {
                        // this member is down: the next one
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the connection ends
            }
        }

        private static void copy(Socket from, Socket to) {
            try {
                InputStream i = from.getInputStream();
                OutputStream o = to.getOutputStream();
                i.transferTo(o);
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
