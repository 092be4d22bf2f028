package org.dstack4j.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterTypedData;
import org.dstack4j.cluster.daemon.ChainSource;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.volume.VolumeException.Problem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole-volume rollback counter anchored in the cluster contract, on a real anvil with the compiled contract,
 * bootstrapped with the cluster signer derived from a secret: the host puts back a complete older copy of the
 * volume and the process restarts (a fresh guard, nothing in memory) — refused; a chain that cannot be read refuses
 * the open; a signature by another key does not raise the counter; batching anchors every N commits.
 */
class ContractAnchorTest {
    private static final int CAP = 1 << 20;
    private static final SecureRandom RND = new SecureRandom();
    private static Anvil anvil;
    private static ClusterContract contract;
    private static TransactionSender gas;
    private static KeyDerivation keys;
    private static ClusterTypedData typed;

    @TempDir
    Path dir;

    @BeforeAll
    static void bootstrapped() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        BigInteger chainId = anvil.chainId();
        TransactionSender gov = sender(0);
        gas = sender(1);
        contract = ClusterContract.deploy(gov, gov.from(), 0, 16, 20);
        contract.writes(gov).setOperator(gas.from(), true);
        byte[] s = new byte[32];
        RND.nextBytes(s);
        keys = KeyDerivation.of(ClusterSecret.of(s), new ClusterRef(chainId.longValueExact(), contract.address()));
        byte[] encKey = new byte[32];
        RND.nextBytes(encKey);
        Address node = new Address(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
        byte[] evidence = Abi.encode("(bytes,string,string)", new byte[64], "[]", "{}");
        BigInteger gid = contract.writes(gas).submitGenesis(anvil.rpc().blockNumber(), node, keys.publicKeys().signer(), encKey, evidence);
        contract.writes(gov).bootstrap(gid, node);
        typed = new ClusterTypedData(chainId, contract.address());
    }

    @AfterAll
    static void stop() {
        if (anvil != null) anvil.close();
    }

    private static TransactionSender sender(int account) throws Exception {
        return new TransactionSender(anvil.rpc(), anvil.account(account), anvil.chainId(), Duration.ofSeconds(20), Duration.ofMillis(10));
    }

    private static ContractAnchor anchor(String volume, long every) {
        return anchor(volume, every, ContractAnchor.clusterSigner(keys), anvil.rpc());
    }

    private static ContractAnchor anchor(String volume, long every, ContractAnchor.Signer signer, JsonRpcClient rpc) {
        return new ContractAnchor(ContractAnchor.evm(contract, rpc, 0, contract.writes(gas)), typed, signer, ContractAnchor.volumeId(volume),
                volume, every);
    }

    private static long onChain(String volume) throws Exception {
        return contract.reads(ChainView.pin(anvil.rpc(), 0)).volumeVersion(ContractAnchor.volumeId(volume));
    }

    @Test
    void aWholeVolumePutBackAfterARestartIsRefusedByTheAnchoredVersion() throws Exception {
        Path vol = dir.resolve("vol");
        VolumeKey key = VolumeKey.shared(keys, "rollback");
        EncryptedVolume v = EncryptedVolume.create(vol, key, anchor("rollback", 1), CAP);
        v.write("balance", "100".getBytes(StandardCharsets.UTF_8));
        assertThat(onChain("rollback")).isEqualTo(2); // create (1) and one write, each anchored
        copy(vol, dir.resolve("old"));
        v.write("balance", "0".getBytes(StandardCharsets.UTF_8));
        assertThat(onChain("rollback")).isEqualTo(3);

        // the host puts back the complete older copy; the CVM restarts (a new guard: nothing in memory)
        replace(vol, dir.resolve("old"));
        assertThatThrownBy(() -> EncryptedVolume.open(vol, key, anchor("rollback", 1), CAP))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ROLLED_BACK))
                .hasMessage("the manifest of volume rollback is generation 2, older than generation 3 already seen (anchored in the cluster contract "
                        + contract.address().toLowerHex() + "): the whole volume was rolled back");
        // deleting it and creating it afresh is refused too
        delete(vol);
        assertThatThrownBy(() -> EncryptedVolume.create(vol, key, anchor("rollback", 1), CAP))
                .hasMessageContaining("reached generation 3 before (anchored in the cluster contract");
    }

    @Test
    void theCurrentVolumeOpensAfterARestartAndACrashBeforeTheAnchorIsMendedOnOpen() throws Exception {
        Path vol = dir.resolve("vol");
        VolumeKey key = VolumeKey.shared(keys, "current");
        EncryptedVolume v = EncryptedVolume.create(vol, key, anchor("current", 1), CAP);
        // the chain write fails once (a signature by another key: the contract refuses it): the commit is on disk only
        ContractAnchor.Signer stranger = ContractAnchor.clusterSigner(KeyDerivation.of(ClusterSecret.of(new byte[32]),
                new ClusterRef(anvil.chainId().longValueExact(), contract.address())));
        EncryptedVolume w = EncryptedVolume.open(vol, key, anchor("current", 1, stranger, anvil.rpc()), CAP);
        assertThatThrownBy(() -> w.write("a", new byte[] {1}))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ANCHOR))
                .hasMessageContaining("generation 2 of volume current is committed on disk but not anchored");
        assertThat(onChain("current")).isEqualTo(1);
        // a restart with the cluster signer opens generation 2 (newer than the anchor) and raises the anchor
        EncryptedVolume reopened = EncryptedVolume.open(vol, key, anchor("current", 1), CAP);
        assertThat(reopened.read("a")).containsExactly(1);
        assertThat(onChain("current")).isEqualTo(2);
        assertThat(v.generation()).isEqualTo(1);
    }

    @Test
    void anUnreadableChainRefusesTheOpen() throws Exception {
        Path vol = dir.resolve("vol");
        VolumeKey key = VolumeKey.shared(keys, "offline");
        EncryptedVolume.create(vol, key, anchor("offline", 1), CAP);
        int dead;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (JsonRpcClient down = new JsonRpcClient(java.net.URI.create("http://127.0.0.1:" + dead), Duration.ofSeconds(2), 1 << 20)) {
            assertThatThrownBy(() -> EncryptedVolume.open(vol, key, anchor("offline", 1, ContractAnchor.clusterSigner(keys), down), CAP))
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ANCHOR))
                    .hasMessageContaining("cannot read the anchored version of volume offline")
                    .hasMessageContaining("a rollback could not be ruled out");
        }
    }

    @Test
    void oneEndpointReportingAnOlderAnchorCannotOpenARolledBackVolumeThroughTheNodesQuorum() throws Exception {
        Path vol = dir.resolve("vol");
        VolumeKey key = VolumeKey.shared(keys, "quorum");
        EncryptedVolume v = EncryptedVolume.create(vol, key, anchor("quorum", 1), CAP);
        v.write("balance", "100".getBytes(StandardCharsets.UTF_8));
        copy(vol, dir.resolve("old"));
        v.write("balance", "0".getBytes(StandardCharsets.UTF_8));
        replace(vol, dir.resolve("old"));
        // an endpoint that answers every eth_call with zero: "nothing was ever anchored"
        com.sun.net.httpserver.HttpServer liar = lyingProxy();
        URI liarUrl = URI.create("http://127.0.0.1:" + liar.getAddress().getPort() + "/");
        try (JsonRpcClient lie = new JsonRpcClient(liarUrl, Duration.ofSeconds(10), 1 << 20);
                JsonRpcClient honest1 = new JsonRpcClient(anvil.url(), Duration.ofSeconds(10), 1 << 20);
                JsonRpcClient honest2 = new JsonRpcClient(anvil.url(), Duration.ofSeconds(10), 1 << 20)) {
            // read from that endpoint alone, the rollback goes unnoticed: the threat the quorum answers (batched anchors,
            // so the open writes nothing the contract would refuse)
            EncryptedVolume fooled = EncryptedVolume.open(vol, key, anchor("quorum", 100, ContractAnchor.clusterSigner(keys), lie), CAP);
            assertThat(new String(fooled.read("balance"), StandardCharsets.UTF_8)).isEqualTo("100");
            // through a quorum of 2 of 3 with the liar among them, the anchored version wins and the open is refused
            ChainSource quorum = new ChainSource(List.of(honest1, lie, honest2), 2);
            assertThatThrownBy(() -> EncryptedVolume.open(vol, key, anchorThrough("quorum", quorum), CAP))
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ROLLED_BACK))
                    .hasMessageContaining("older than generation 3 already seen");
            // and a quorum the liar can block but not win (2 of 2) refuses the open as unreadable: fail closed
            assertThatThrownBy(() -> EncryptedVolume.open(vol, key, anchorThrough("quorum", new ChainSource(List.of(honest1, lie), 2)), CAP))
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.problem()).isEqualTo(Problem.ANCHOR))
                    .hasMessageContaining("cannot read the anchored version of volume quorum");
        } finally {
            liar.stop(0);
        }
    }

    private static ContractAnchor anchorThrough(String volume, ChainSource source) {
        return new ContractAnchor(ContractAnchor.evm(contract, source, 0, contract.writes(gas)), typed, ContractAnchor.clusterSigner(keys),
                ContractAnchor.volumeId(volume), volume, 100);
    }

    /** A JSON-RPC proxy to anvil that answers {@code eth_call} with a zero word and passes everything else through. */
    private static com.sun.net.httpserver.HttpServer lyingProxy() throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                byte[] req = ex.getRequestBody().readNBytes(1 << 20);
                var r = http.send(java.net.http.HttpRequest.newBuilder(anvil.url()).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(req)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                var answer = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(r.body());
                if ("eth_call".equals(json.readTree(req).path("method").asText()) && answer.has("result")) {
                    answer.put("result", "0x" + "00".repeat(32));
                }
                byte[] out = json.writeValueAsBytes(answer);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return server;
    }

    @Test
    void batchedAnchorsEveryNCommitsAndTheContractNeverLowersTheCounter() throws Exception {
        Path vol = dir.resolve("vol");
        VolumeKey key = VolumeKey.shared(keys, "batched");
        EncryptedVolume v = EncryptedVolume.create(vol, key, anchor("batched", 3), CAP);
        assertThat(onChain("batched")).isZero();
        v.write("x", new byte[] {1}); // generation 2
        assertThat(onChain("batched")).isZero();
        v.write("x", new byte[] {2}); // generation 3
        assertThat(onChain("batched")).isEqualTo(3);
        v.write("x", new byte[] {3}); // generation 4
        assertThat(onChain("batched")).isEqualTo(3);
        // a valid cluster signature for a lower version is refused on chain
        byte[] id = ContractAnchor.volumeId("batched");
        byte[] sig = ContractAnchor.clusterSigner(keys).sign(typed.volumeVersionDigest(id, 2));
        assertThatThrownBy(() -> contract.writes(gas).anchorVolume(id, 2, sig)).isInstanceOf(ClusterContractException.class)
                .hasMessageContaining("StaleVolumeVersion");
        // another key's signature for a higher one too
        byte[] other = SigningKey.random(RND).sign(typed.volumeVersionDigest(id, 9)).toBytes();
        assertThatThrownBy(() -> contract.writes(gas).anchorVolume(id, 9, other)).isInstanceOf(ClusterContractException.class)
                .hasMessageContaining("WrongSigner");
        assertThat(onChain("batched")).isEqualTo(3);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    private static void replace(Path vol, Path old) throws IOException {
        delete(vol);
        copy(old, vol);
    }
}
