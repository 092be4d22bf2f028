package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.devnet.Anvil;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.ClusterTypedData;
import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.evm.EvmClusterView;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.node.ResponderRank;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.secret.X25519KeyPair;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.e2e.ClusterTestbed.Cvm;
import org.dstack4j.e2e.ClusterTestbed.Tamper;
import org.dstack4j.e2e.ClusterTestbed.TestRelay;
import org.dstack4j.e2e.LyingRpc.Lie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refusals, a hostile host, a lying chain and faults, with every node a separate {@code dstack4j cluster node} process
 * on one real anvil and one genesis: simulator agents on unix sockets (in this JVM), host relays on unix sockets (in
 * this JVM, so a case can turn one hostile), lying JSON-RPC proxies on loopback in front of anvil. The genesis member
 * reads the chain through three endpoints (anvil, an honest proxy, a liar; quorum 2), the second member through two
 * (anvil and a liar; quorum 2, so any lie stops it); a newcomer whose case has no lying RPC pins anvil in its compose
 * and reads it only through its relay's tunnel. Each case asserts its outcome on chain and in the node's output;
 * at the end no process output and no relay log holds the cluster secret or a key derived from it (the test learns
 * the secret by joining once itself, then the governor removes that node).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterHostileTest {
    // the time the first-ranked member has to answer before the next one does: the cases that need member2 (ranked first)
    // to act or to stay undecided before the genesis member answers count on it, so it is wide for a loaded 2-core machine
    private static final Duration FALLBACK = Duration.ofSeconds(5);
    private static final Duration T = Duration.ofSeconds(180);
    // the refusal and hostile-host cases start 17 newcomer JVMs at once; under load the last is answered ~60 s after its start
    private static final int CROWD_JOIN_TIMEOUT = 150;
    // above the blocks that can pass while a newcomer waits for the shared gas key: the first cases start 17 newcomers at
    // once, and their requests and the members' answers (a block each with automine) may mine ~32 blocks meanwhile
    private static final long MAX_ANCHOR_AGE = 64;
    private static final SecureRandom RND = new SecureRandom();

    @TempDir
    static Path dir;

    private Anvil anvil;
    private ClusterContract contract;
    private ClusterRef ref;
    private TransactionSender gov;
    private TransactionSender ops; // the newcomers' hosts share one gas key (serialized on it)
    private Path collateral;
    private Path testRoot;
    private Path govKey;
    private ClusterPublicKeys keys;
    private String joinerCompose;
    private String tunnelCompose;
    private LyingRpc gLiar;
    private LyingRpc mLiar;
    private TestRelay gRelay;
    private TestRelay mRelay;
    private ClusterNodeProcess genesis;
    private ClusterNodeProcess m2;
    private Cvm m2Cvm;
    private Address gAddr;
    private Address m2Addr;
    private ClusterContract c2;
    private ClusterRef ref2;
    private ClusterNodeProcess g2n;
    private List<DynamicTest> hostileHostCases = List.of();
    private final List<String> secrets = new ArrayList<>();
    private final List<ClusterNodeProcess> nodes = new CopyOnWriteArrayList<>();
    private final List<TestRelay> relays = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closers = new CopyOnWriteArrayList<>();

    // ---------------------------------------------------------------- setup: anvil, contract, genesis, a second member

    @BeforeAll
    void cluster() throws Exception {
        anvil = Anvil.start(DevTools.locate().anvil(), List.of(), Duration.ofSeconds(20));
        BigInteger chainId = anvil.chainId();
        gov = sender(0);
        ops = sender(3);
        contract = ClusterContract.deploy(gov, gov.from(), 0, MAX_ANCHOR_AGE, 256);
        ref = new ClusterRef(chainId.longValueExact(), contract.address());
        for (int i = 1; i <= 4; i++) contract.writes(gov).setOperator(anvil.account(i).address(), true);
        govKey = dir.resolve("gov.key");
        Files.writeString(govKey, HexFormat.of().formatHex(anvil.account(0).privateKeyBytes()));

        Cvm g = cvm("genesis", ClusterTestbed.compose("cluster-node", ref, Optional.empty(), true), ClusterTestbed.profile());
        collateral = dir.resolve("collateral.json");
        Files.writeString(collateral, g.tdx().collateral().toJson());
        testRoot = dir.resolve("root.pem");
        Files.writeString(testRoot, g.tdx().testRootPem());
        gLiar = liar();
        LyingRpc gHonest = liar();
        gRelay = relay("genesis", contract, sender(1), new Object());
        // the liar first: a quorum read stops asking once two agree, so a liar last would never be heard
        genesis = node("genesis", g, List.of(gLiar.url(), anvil.url().toString(), gHonest.url()), 120, "--genesis");
        genesis.await("genesis-submitted", T);
        GenesisRecord rec = reads().genesis(BigInteger.ONE);
        contract.writes(gov).bootstrap(rec.id(), rec.node());
        JsonNode b = genesis.await("bootstrapped", T);
        gAddr = Address.parse(b.path("node").asText());
        keys = new ClusterPublicKeys(reads().clusterSigner(), reads().clusterEncKey());
        assertThat(b.path("signer").asText()).isEqualTo(keys.signer().toLowerHex());
        joinerCompose = ClusterTestbed.compose("cluster-node", ref, Optional.of(keys), true);
        // newcomers that read anvil (no lying RPC in their case) pin it and read it only through their relay's tunnel
        tunnelCompose = ClusterTestbed.compose("cluster-node", ref, Optional.of(keys), true, List.of(anvil.url()));

        m2Cvm = cvm("member2", joinerCompose, ClusterTestbed.profile());
        Cli.Result allow = Cli.run(Map.of(), T, "cluster", "gov", "allow", "--rpc", anvil.url().toString(), "--key-file", govKey.toString(),
                "--contract", contract.address().toLowerHex(), "--apply", "--from-agent", m2Cvm.socket().toString(),
                "--dcap-root-cert", testRoot.toString(), "--tcb-status", "UpToDate");
        assertThat(allow.exit()).as(allow.stderr()).isZero();
        byte[] tunnelHash = org.dstack4j.cluster.join.PolicyValues.sha256(tunnelCompose); // as `gov allow` computes COMPOSE_HASH
        contract.writes(gov).proposePolicy(org.dstack4j.cluster.contract.PolicyKind.COMPOSE_HASH, tunnelHash);
        contract.writes(gov).applyPolicy(org.dstack4j.cluster.contract.PolicyKind.COMPOSE_HASH, tunnelHash);
        mLiar = liar();
        mRelay = relay("member2", contract, sender(2), new Object());
        m2 = node("member2", m2Cvm, List.of(mLiar.url(), anvil.url().toString()), 120);
        m2Addr = Address.parse(m2.await("joined", T).path("node").asText());
        learnTheSecret();
        startIntelOnlyCluster();
    }

    /** Joins once from this JVM (an honest newcomer) to know the secret the logs must never show; then the governor removes that node. */
    private void learnTheSecret() throws Exception {
        Cvm cvm = cvm("learner", joinerCompose, ClusterTestbed.profile());
        Address node = cvm.nodeAddress();
        try (Newcomer n = Newcomer.start(org.dstack4j.cluster.binding.ClusterPin.fromCompose(joinerCompose).orElseThrow(), node, RND);
                var client = cvm.client()) {
            var anchor = ChainView.pin(anvil.rpc(), 0).block();
            var q = client.getQuote(n.reportData(anchor.hash()));
            Evidence ev = new Evidence(q.quote(), EventLog.of(q.eventLog()).toJson(), joinerCompose);
            BigInteger id = hostRequestJoin(anchor.number(), node, n.encKey(), ev.encode());
            awaitState(id, RequestState.ONBOARDED);
            EvmClusterView v = new EvmClusterView(contract, ChainView.pin(anvil.rpc(), 0));
            Newcomer.Outcome o = n.onOnboarded(id, v.epoch(), v.request(id).evidenceHash(), v.onboarded(id, 0).orElseThrow(), v.clusterKeys());
            assertThat(o).isInstanceOf(Newcomer.Joined.class);
            ClusterSecret s = ((Newcomer.Joined) o).secret();
            KeyDerivation kd = KeyDerivation.of(s, ref);
            HexFormat hex = HexFormat.of();
            secrets.add(hex.formatHex(s.copyBytes()));
            try (var signer = kd.signerKey(); var enc = kd.encryptionKey()) {
                secrets.add(hex.formatHex(signer.privateScalar()));
                secrets.add(hex.formatHex(enc.privateKey()));
            }
            s.destroy();
        }
        contract.writes(gov).removeMember(node);
    }

    @AfterAll
    void stop() throws Exception {
        ClusterNodeProcess.stopAll(nodes, closers);
        if (anvil != null) anvil.close();
    }

    // ---------------------------------------------------------------- refused with the named check (through processes)

    @TestFactory
    @Order(1)
    Stream<DynamicTest> refusedWithTheNamedCheckAndNothingSent() throws Exception {
        record Case(String name, String compose, org.dstack4j.agent.simulator.MeasurementProfile profile, int check, String checkName) {}
        String d = "f06dfda6dce1cf904d4e2bab1dc370634cf95cefa2ceb2de2eee127c9382698090d7a4a13e14c536ec6c9c3c8fa87077";
        List<Case> cases = List.of(
                new Case("wrong-mrtd", joinerCompose, ClusterTestbed.profile("mrtd", "00" + d.substring(2)), 11, "measurement"),
                new Case("wrong-rtmr0", joinerCompose, ClusterTestbed.profileWithOtherBootEvent(0), 11, "measurement"),
                new Case("wrong-rtmr1", joinerCompose, ClusterTestbed.profileWithOtherBootEvent(1), 11, "measurement"),
                new Case("wrong-rtmr2", joinerCompose, ClusterTestbed.profileWithOtherBootEvent(2), 11, "measurement"),
                new Case("unknown-compose-hash", ClusterTestbed.compose("another-app", ref, Optional.of(keys), true),
                        ClusterTestbed.profile(), 12, "compose-hash"),
                new Case("debug-td", joinerCompose, ClusterTestbed.debugProfile(), 8, "debug-td"),
                // one TCB recovery behind: the collateral's OutOfDate level; the policy allows only UpToDate
                new Case("tcb-out-of-date", joinerCompose, ClusterTestbed.profile("td_report.tee_tcb_svn", "0b010300000000000000000000000000"),
                        7, "tcb-status"));
        List<Joiner> started = new ArrayList<>();
        for (Case c : cases) started.add(joiner(c.name(), c.compose(), c.profile(), ClusterTestbed.HONEST, null, CROWD_JOIN_TIMEOUT));
        hostileHostCases = startHostileHostCases();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name() + " → " + c.checkName(), () -> {
            Joiner j = started.get(cases.indexOf(c));
            assertRefused(j, c.check(), c.checkName());
        }));
    }

    // ---------------------------------------------------------------- a hostile host relays the newcomer's request

    @TestFactory
    @Order(2)
    Stream<DynamicTest> aHostileNewcomerHostGetsNothing() {
        return hostileHostCases.stream(); // their processes started with the refusals, to overlap the waits
    }

    private List<DynamicTest> startHostileHostCases() throws Exception {
        JoinRequest m2Request = requestsOf(m2Addr).getFirst();
        byte[] m2Evidence = evidenceOf(m2Request.id());
        String otherCompose = ClusterTestbed.compose("another-app", ref, Optional.of(keys), true);
        record Case(String name, Tamper tamper, int check, int exit) {}
        List<Case> cases = List.of(
                new Case("relay-swaps-the-encryption-key", requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber(), j.node(),
                        X25519KeyPair.generate(RND).publicKey(), j.evidence())), 9, 4),
                new Case("relay-moves-the-anchor", requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber() - 1, j.node(),
                        j.encKey(), j.evidence())), 9, 3),
                new Case("relay-replays-old-evidence-with-a-new-anchor", requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber(),
                        j.node(), j.encKey(), m2Evidence)), 9, 3),
                new Case("relay-swaps-the-node-address", requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber(),
                        SigningKey.random(RND).address(), j.encKey(), j.evidence())), 9, 3),
                new Case("relay-swaps-the-app-compose", evidence(e -> new Evidence(e.quote(), e.eventLog(), otherCompose)), 12, 3),
                new Case("relay-edits-the-event-log", evidence(e -> {
                    var entries = new ArrayList<>(EventLog.parse(e.eventLog()).entries());
                    entries.removeLast();
                    return new Evidence(e.quote(), EventLog.of(entries).toJson(), e.appCompose());
                }), 10, 3),
                new Case("relay-flips-a-quote-byte", evidence(e -> {
                    byte[] q = e.quote();
                    q[200] ^= 1;
                    return new Evidence(q, e.eventLog(), e.appCompose());
                }), 5, 3),
                new Case("relay-truncates-the-quote", evidence(e -> new Evidence(java.util.Arrays.copyOf(e.quote(), 100), e.eventLog(),
                        e.appCompose())), 4, 3));
        List<Joiner> started = new ArrayList<>();
        for (Case c : cases) started.add(joiner(c.name(), joinerCompose, ClusterTestbed.profile(), c.tamper(), null, c.exit() == 4 ? 12 : CROWD_JOIN_TIMEOUT));
        Joiner reuse = joiner("relay-reuses-a-key", joinerCompose, ClusterTestbed.profile(),
                requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber(), j.node(), m2Request.encKey(), j.evidence())), null, CROWD_JOIN_TIMEOUT);
        Joiner withhold = joiner("relay-withholds-the-request", joinerCompose, ClusterTestbed.profile(),
                (call, honest) -> new org.dstack4j.cluster.relay.Relay.Submitted(new byte[32], 1), null, 6);
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.name() + " → " + c.check(), () -> {
                Joiner j = started.get(cases.indexOf(c));
                List<JoinRequest> rs = awaitRequestsOf(j.node(), c.name().contains("node-address") ? null : j);
                BigInteger id = rs.getFirst().id();
                awaitState(id, RequestState.REJECTED);
                assertThat(reads().rejectedCheck(id)).isEqualTo(c.check());
                assertNothingSent(j, id);
                assertThat(j.process().exit(T)).as(j.process().stderr()).isEqualTo(c.exit());
                assertThat(j.process().event("joined")).isEmpty();
            }));
        }
        tests.add(DynamicTest.dynamicTest("relay-reuses-a-key → EncKeyUsed, nothing on chain", () -> {
            assertThat(reuse.process().exit(T)).isEqualTo(1);
            assertThat(reuse.process().stderr()).contains("EncKeyUsed");
            assertThat(requestsOf(reuse.node())).isEmpty();
        }));
        tests.add(DynamicTest.dynamicTest("relay-withholds-the-request → the newcomer times out, nothing on chain", () -> {
            assertThat(withhold.process().exit(T)).isEqualTo(4);
            assertThat(withhold.process().stderr()).contains("our join request on chain");
            assertThat(requestsOf(withhold.node())).isEmpty();
        }));
        tests.add(DynamicTest.dynamicTest("a host replays a member's old evidence with a new anchor and key → 9", () -> {
            long head = anvil.rpc().blockNumber();
            BigInteger id = hostRequestJoin(head - 1, m2Addr, X25519KeyPair.generate(RND).publicKey(), m2Evidence);
            awaitState(id, RequestState.REJECTED);
            assertThat(reads().rejectedCheck(id)).isEqualTo(9);
            assertThat(onboardedIds()).doesNotContain(id);
        }));
        tests.add(DynamicTest.dynamicTest("a host submits garbage evidence → 4", () -> {
            Evidence garbage = new Evidence(new byte[64], "[]", joinerCompose);
            BigInteger id = hostRequestJoin(anvil.rpc().blockNumber() - 1, SigningKey.random(RND).address(),
                    X25519KeyPair.generate(RND).publicKey(), garbage.encode());
            awaitState(id, RequestState.REJECTED);
            assertThat(reads().rejectedCheck(id)).isEqualTo(4);
        }));
        return tests;
    }

    @Test
    @Order(3)
    void aHostThatHoldsTheRequestPastItsAnchorAgeGetsItRefusedByTheContract() throws Exception {
        Joiner j = joiner("relay-holds-past-anchor-age", joinerCompose, ClusterTestbed.profile(), requestJoin(call -> {
            try {
                anvil.mine(MAX_ANCHOR_AGE + 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return call;
        }), null, 60);
        assertThat(j.process().exit(T)).isEqualTo(1);
        assertThat(j.process().stderr()).contains("AnchorTooOld");
        assertThat(requestsOf(j.node())).isEmpty();
    }

    // ---------------------------------------------------------------- hostile members' hosts

    @Test
    @Order(4)
    void membersHostsThatAlterAnswersOrForgeAnOnboardAreRefusedByTheContract() throws Exception {
        Tamper alter = (call, honest) -> honest.submit(switch (call) {
            case ContractCall.Onboard o -> {
                byte[] s = o.sealed();
                s[40] ^= 1;
                yield new ContractCall.Onboard(o.requestId(), s, o.signature());
            }
            case ContractCall.Reject r -> new ContractCall.Reject(r.requestId(), r.check() == 1 ? 2 : 1, r.signature());
            default -> call;
        });
        gRelay.tamper = alter;
        mRelay.tamper = alter;
        try {
            Joiner carol = joiner("members-host-alters-the-onboard", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, null, 90);
            Joiner mallory = joiner("members-host-alters-the-reject", joinerCompose,
                    ClusterTestbed.profile("mrtd", "33".repeat(48)), ClusterTestbed.HONEST, null, 90);
            BigInteger carolId = awaitRequestsOf(carol.node(), carol).getFirst().id();
            BigInteger malloryId = awaitRequestsOf(mallory.node(), mallory).getFirst().id();
            awaitLog("refused onboard", "WrongSigner");
            awaitLog("refused reject", "WrongSigner");
            assertThat(reads().request(carolId).state()).isEqualTo(RequestState.PENDING);
            assertThat(reads().request(malloryId).state()).isEqualTo(RequestState.PENDING);
            // a host forges an onboard: another secret sealed to the newcomer, signed by a key that is not the cluster signer
            JoinRequest r = reads().request(carolId);
            try (ClusterSecret other = ClusterSecret.generate(RND)) {
                byte[] sealed = OnboardSeal.seal(other, r.encKey(), new SealContext(ref, carolId, 1, r.evidenceHash()));
                byte[] sig = SigningKey.random(RND).sign(new ClusterTypedData(BigInteger.valueOf(ref.chainId()), ref.contract())
                        .onboardDigest(carolId, sealed, 1)).toBytes();
                assertThatThrownBy(() -> {
                    synchronized (ops) {
                        contract.writes(ops).onboard(carolId, sealed, sig);
                    }
                })
                        .isInstanceOf(ClusterContractException.class).hasMessageContaining("WrongSigner");
            }
            assertThat(onboardedIds()).doesNotContain(carolId);
            gRelay.tamper = ClusterTestbed.HONEST;
            mRelay.tamper = ClusterTestbed.HONEST;
            JsonNode joined = carol.process().await("joined", T);
            assertThat(joined.path("signer").asText()).isEqualTo(keys.signer().toLowerHex());
            assertThat(joined.path("enc_key").asText()).isEqualTo(org.dstack4j.chain.Hex.data(keys.encKey()));
            assertThat(onboardedEvents(carolId)).hasSize(1);
            leave(carol);
            awaitState(malloryId, RequestState.REJECTED);
            assertThat(reads().rejectedCheck(malloryId)).isEqualTo(11);
            assertThat(mallory.process().exit(T)).isEqualTo(3);
        } finally {
            gRelay.tamper = ClusterTestbed.HONEST;
            mRelay.tamper = ClusterTestbed.HONEST;
        }
    }

    @Test
    @Order(5)
    void membersHostsThatRefuseOrServeStaleCollateralMakeThemDecideNothing() throws Exception {
        gRelay.refuseCollateral = true;
        mRelay.refuseCollateral = true;
        try {
            Joiner dora = joiner("members-hosts-refuse-collateral", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, null, 90);
            BigInteger id = awaitRequestsOf(dora.node(), dora).getFirst().id();
            awaitOutput(genesis, "undecided", id);
            Thread.sleep(FALLBACK.toMillis() + 1_000);
            assertThat(reads().request(id).state()).as("no member answers without collateral").isEqualTo(RequestState.PENDING);
            // then the hosts serve an old copy, expired before the request block's time: still no answer (not a dcap
            // rejection of a good newcomer), each member says why once, and fetches again at every poll
            gRelay.staleCollateral = staleCollateral();
            mRelay.staleCollateral = gRelay.staleCollateral;
            gRelay.refuseCollateral = false;
            mRelay.refuseCollateral = false;
            long deadline = System.nanoTime() + T.toNanos();
            while (outputFor(genesis, "undecided", id).stream().noneMatch(e -> e.path("why").asText().contains("tcb-info-validity"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(outputFor(genesis, "undecided", id)).anySatisfy(e -> assertThat(e.path("why").asText())
                    .contains("tcb-info-validity").contains("fetching it again"));
            Thread.sleep(FALLBACK.toMillis() + 1_000);
            assertThat(reads().request(id).state()).as("no member answers on stale collateral").isEqualTo(RequestState.PENDING);
            gRelay.staleCollateral = null;
            mRelay.staleCollateral = null;
            assertThat(dora.process().await("joined", T).path("signer").asText()).isEqualTo(keys.signer().toLowerHex());
            leave(dora);
        } finally {
            gRelay.refuseCollateral = false;
            mRelay.refuseCollateral = false;
            gRelay.staleCollateral = null;
            mRelay.staleCollateral = null;
        }
    }

    /** The test collateral as an old copy: TCB info re-signed with the test PKI's key, its nextUpdate before today. */
    private org.dstack4j.attestation.dcap.Collateral staleCollateral() throws Exception {
        var good = CollateralJson.parse(Files.readAllBytes(collateral));
        var pki = org.dstack4j.agent.pki.TestPki.create(new org.dstack4j.agent.pki.SeedKdf(ClusterTestbed.PKI_SEED),
                ClusterTestbed.profile().pckTcb());
        String old = good.tcbInfo().replace(org.dstack4j.agent.simulator.TestCollateral.NEXT_UPDATE, "2025-06-01T00:00:00Z");
        assertThat(old).isNotEqualTo(good.tcbInfo());
        return good.withTcbInfo(old, pki.tcbSigningKey().signP1363(old.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    // ---------------------------------------------------------------- a lying RPC

    @TestFactory
    @Order(6)
    Stream<DynamicTest> aNewcomerThatReadsThroughALyingRpcRefusesWhatItIsFed() throws Exception {
        record Case(String name, Lie[] lies, String outcome) {}
        List<Case> cases = List.of(
                new Case("rpc-feeds-another-ciphertext", new Lie[] {Lie.SWAP_SEALED}, "NotForUs"),
                new Case("rpc-feeds-a-wrong-secret", new Lie[] {Lie.WRONG_SECRET}, "WrongSecret"),
                new Case("rpc-feeds-a-wrong-secret-and-matching-keys", new Lie[] {Lie.WRONG_SECRET, Lie.WRONG_KEYS}, "WrongSecret"));
        List<Joiner> started = new ArrayList<>();
        List<LyingRpc> liars = new ArrayList<>();
        for (Case c : cases) {
            LyingRpc l = liar(c.lies());
            liars.add(l);
            started.add(joiner(c.name(), joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, List.of(l.url()), 60));
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name() + " → " + c.outcome(), () -> {
            Joiner j = started.get(cases.indexOf(c));
            assertThat(j.process().exit(T)).as(j.process().stderr()).isEqualTo(1);
            assertThat(j.process().await("answer-refused", T).path("why").asText()).isEqualTo(c.outcome());
            assertThat(j.process().event("joined")).isEmpty();
            for (Lie l : c.lies()) assertThat(liars.get(cases.indexOf(c)).told()).contains(l.name());
            // the members onboarded it honestly; the lie was only in what this node read; it leaves the cluster
            BigInteger id = requestsOf(j.node()).getFirst().id();
            assertThat(reads().request(id).state()).isEqualTo(RequestState.ONBOARDED);
            contract.writes(gov).removeMember(j.node());
        }));
    }

    @Test
    @Order(7)
    void aLyingPolicyRpcIsOutvotedByTheQuorumAndStopsATwoOfTwoMember() throws Exception {
        member2RanksFirstForTheNextRequest(); // so that member2 reads the policy (and the lie) before anyone answers
        gLiar.set(Lie.ALLOW_ALL);
        mLiar.set(Lie.ALLOW_ALL);
        try {
            Joiner mallory = joiner("rpc-says-every-measurement-is-allowed", joinerCompose,
                    ClusterTestbed.profile("mrtd", "44".repeat(48)), ClusterTestbed.HONEST, null, 90);
            BigInteger id = awaitRequestsOf(mallory.node(), mallory).getFirst().id();
            awaitState(id, RequestState.REJECTED);
            assertThat(reads().rejectedCheck(id)).isEqualTo(11);
            assertThat(onboardedIds()).doesNotContain(id);
            assertThat(gLiar.told()).contains("ALLOW_ALL");
            // the genesis member (2 of 3) outvoted the liar and rejected; member2 (2 of 2) decided nothing. Each prints its
            // line after its own reads and relay round trip, which may end after the test saw the state on chain
            awaitOutput(genesis, "answered", id);
            awaitOutput(m2, "undecided", id);
            assertThat(answers(genesis, id)).singleElement().satisfies(a -> assertThat(a.path("check_name").asText()).isEqualTo("measurement"));
            assertThat(answers(m2, id)).isEmpty();
            assertThat(outputFor(m2, "undecided", id)).anySatisfy(u -> assertThat(u.path("why").asText()).contains("do not agree"));
            assertThat(mallory.process().exit(T)).isEqualTo(3);
        } finally {
            gLiar.set();
            mLiar.set();
        }
    }

    @Test
    @Order(8)
    void anRpcThatHidesRequestsIsOutvotedAndReportedAsADisagreement() throws Exception {
        gLiar.set(Lie.HIDE_REQUESTS, Lie.DENY_ALL);
        mLiar.set(Lie.HIDE_REQUESTS);
        try {
            Joiner j = joiner("rpc-hides-requests-and-denies-policy", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, null, 90);
            assertThat(j.process().await("joined", T).path("signer").asText()).isEqualTo(keys.signer().toLowerHex());
            assertThat(gLiar.told()).contains("HIDE_REQUESTS", "DENY_ALL");
            // member2 reports at its next poll, which may come after the newcomer joined
            m2.await("rpc-disagreement", T);
            leave(j);
        } finally {
            gLiar.set();
            mLiar.set();
        }
    }

    // ---------------------------------------------------------------- faults

    @Test
    @Order(9)
    void aMemberKilledMidAnswerIsCoveredByTheNextOne() throws Exception {
        member2RanksFirstForTheNextRequest();
        // member2 has read the request, run the checks, sealed and signed; its host holds the onboard while it is killed
        mRelay.tamper = (call, honest) -> {
            if (call instanceof ContractCall.Onboard) {
                try {
                    m2.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new RelayException("the member was killed before its onboard was sent", null);
            }
            return honest.submit(call);
        };
        try {
            Joiner erin = joiner("member-killed-mid-answer", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, null, 90);
            JsonNode joined = erin.process().await("joined", T);
            BigInteger id = new BigInteger(joined.path("request").asText());
            assertThat(m2.process.isAlive()).isFalse();
            assertThat(mRelay.log()).anySatisfy(l -> assertThat(l).contains("\"function\":\"onboard\"", "\"request_id\":\"" + id + "\""));
            awaitOutput(genesis, "answered", id); // printed once its relay returns, which may be after the newcomer read the onboard
            assertThat(answers(genesis, id)).singleElement().satisfies(a -> assertThat(a.path("outcome").asText()).isEqualTo("onboard"));
            assertThat(joined.path("join_ms").asLong()).isGreaterThanOrEqualTo(FALLBACK.toMillis() - 500);
            assertThat(onboardedEvents(id)).hasSize(1);
            leave(erin);
        } finally {
            mRelay.tamper = ClusterTestbed.HONEST;
        }
    }

    @Test
    @Order(10)
    void theKilledMemberRestartsAndRejoins() throws Exception {
        m2 = node("member2-restarted", m2Cvm, List.of(mLiar.url(), anvil.url().toString()), 120);
        JsonNode j = m2.await("joined", T);
        assertThat(j.path("node").asText()).isEqualTo(m2Addr.toLowerHex());
        assertThat(requestsOf(m2Addr)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(11)
    void aNewcomerWhoseRpcIsDownRetriesWithBackoffAndJoins() throws Exception {
        LyingRpc flaky = liar(Lie.OUTAGE);
        Joiner fred = joiner("rpc-down-then-back", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, List.of(flaky.url()), 90);
        JsonNode joined = fred.process().await("joined", T);
        assertThat(flaky.told()).contains("OUTAGE");
        List<JsonNode> ev = fred.process().events();
        assertThat(ev.stream().filter(e -> e.path("event").asText().equals("read-error")).count()).isBetween(2L, 12L);
        assertThat(joined.path("join_ms").asLong()).isGreaterThan(LyingRpc.OUTAGE_MS - 1_000);
        assertThat(fred.process().exit(T)).isZero();
    }

    // ---------------------------------------------------------------- the member's measured root setting, expired collateral

    /** A second cluster whose genesis member's measured setting allows only Intel's root; its genesis starts with the suite. */
    private void startIntelOnlyCluster() throws Exception {
        c2 = ClusterContract.deploy(gov, gov.from(), 0, 256, 256);
        ref2 = new ClusterRef(ref.chainId(), c2.address());
        for (int i = 3; i <= 4; i++) c2.writes(gov).setOperator(anvil.account(i).address(), true);
        Cvm g2 = cvm("intel-only-genesis", ClusterTestbed.compose("cluster-node", ref2, Optional.empty(), false), ClusterTestbed.profile());
        relay("intel-only-genesis", c2, sender(4), new Object());
        // its wait for bootstrap counts from here, and the cases before @Order(12) take over 3 minutes on a loaded machine
        g2n = node("intel-only-genesis", g2, c2, List.of(anvil.url().toString()), 1200, "--genesis");
    }

    @Test
    @Order(12)
    void aTestRootIsRefusedWhereTheMembersSettingSaysIntel() throws Exception {
        g2n.await("genesis-submitted", T);
        GenesisRecord rec = c2.reads(ChainView.pin(anvil.rpc(), 0)).genesis(BigInteger.ONE);
        c2.writes(gov).bootstrap(rec.id(), rec.node());
        g2n.await("bootstrapped", T);
        var k2 = c2.reads(ChainView.pin(anvil.rpc(), 0));
        String compose2 = ClusterTestbed.compose("cluster-node", ref2, Optional.of(new ClusterPublicKeys(k2.clusterSigner(), k2.clusterEncKey())), true);
        Cvm n = cvm("test-root-newcomer", compose2, ClusterTestbed.profile());
        Cli.Result allow = Cli.run(Map.of(), T, "cluster", "gov", "allow", "--rpc", anvil.url().toString(), "--key-file", govKey.toString(),
                "--contract", c2.address().toLowerHex(), "--apply", "--from-agent", n.socket().toString(),
                "--dcap-root-cert", testRoot.toString(), "--tcb-status", "UpToDate");
        assertThat(allow.exit()).as(allow.stderr()).isZero();
        relay("test-root-newcomer", c2, ops, ops);
        ClusterNodeProcess p = node("test-root-newcomer", n, c2, List.of(anvil.url().toString()), 60, "--exit-after-join");
        assertThat(p.exit(T)).as(p.stderr()).isEqualTo(3);
        JsonNode refused = p.await("refused", T);
        assertThat(refused.path("check_name").asText()).isEqualTo("dcap-root");
        BigInteger id = new BigInteger(refused.path("request").asText());
        assertThat(c2.reads(ChainView.pin(anvil.rpc(), 0)).rejectedCheck(id)).isEqualTo(6);
    }

    @Test
    @Order(13)
    void aQuoteWhoseCertificatesExpiredAtTheRequestBlocksTimeIsRefusedWithDcap() throws Exception {
        // the test PKI's certificates (the quote's PCK chain, like the collateral) end 2049-12-31: move the chain's clock
        // past it (last case: it stays there). No collateral can cure an expired quote chain, so this is a refusal, not
        // the undecided of a host's stale collateral
        long now = ChainView.pin(anvil.rpc(), 0).block().timestamp();
        anvil.increaseTime(Instant.parse("2050-01-02T00:00:00Z").getEpochSecond() - now);
        anvil.mine(1);
        Joiner j = joiner("collateral-expired", joinerCompose, ClusterTestbed.profile(), ClusterTestbed.HONEST, null, 60);
        assertRefused(j, 5, "dcap");
    }

    @Test
    @Order(14)
    void noProcessOutputOrRelayLogHoldsTheSecretOrADerivedKey() {
        assertThat(secrets).hasSize(3);
        assertThat(nodes).hasSizeGreaterThanOrEqualTo(30);
        List<String> outputs = new ArrayList<>();
        for (ClusterNodeProcess n : nodes) {
            outputs.add(n.stdout());
            outputs.add(n.stderr());
        }
        for (TestRelay r : relays) outputs.add(String.join("\n", r.log()));
        for (String out : outputs) {
            for (String s : secrets) assertThat(out.toLowerCase(java.util.Locale.ROOT)).doesNotContain(s);
        }
    }

    // ---------------------------------------------------------------- helpers

    private record Joiner(Cvm cvm, Address node, TestRelay relay, ClusterNodeProcess process) {}

    private interface CallEdit {
        ContractCall.RequestJoin edit(ContractCall.RequestJoin j) throws Exception;
    }

    private interface EvidenceEdit {
        Evidence edit(Evidence e) throws Exception;
    }

    /** A host that edits the newcomer's {@code requestJoin} before sending it. */
    private static Tamper requestJoin(CallEdit edit) {
        return (call, honest) -> {
            if (!(call instanceof ContractCall.RequestJoin j)) return honest.submit(call);
            try {
                return honest.submit(edit.edit(j));
            } catch (RelayException e) {
                throw e;
            } catch (Exception e) {
                throw new RelayException("tamper failed: " + e, e);
            }
        };
    }

    /** A host that edits the evidence inside the newcomer's {@code requestJoin}. */
    private static Tamper evidence(EvidenceEdit edit) {
        return requestJoin(j -> new ContractCall.RequestJoin(j.anchorNumber(), j.node(), j.encKey(),
                edit.edit(Evidence.decode(j.evidence())).encode()));
    }

    private Joiner joiner(String name, String compose, org.dstack4j.agent.simulator.MeasurementProfile profile, Tamper tamper,
            List<String> rpcs, int joinTimeout) throws Exception {
        boolean tunnel = rpcs == null && compose.equals(joinerCompose);
        Cvm cvm = cvm(name, tunnel ? tunnelCompose : compose, profile);
        TestRelay r = relay(name, contract, ops, ops);
        r.tamper = tamper;
        ClusterNodeProcess p = node(name, cvm, tunnel ? List.of() : rpcs == null ? List.of(anvil.url().toString()) : rpcs, joinTimeout,
                "--exit-after-join");
        return new Joiner(cvm, cvm.nodeAddress(), r, p);
    }

    /** {@code requestJoin} from the newcomers' hosts' gas key, serialized with their relays (one nonce sequence). */
    private BigInteger hostRequestJoin(long anchor, Address node, byte[] encKey, byte[] evidence) throws Exception {
        synchronized (ops) {
            return contract.writes(ops).requestJoin(anchor, node, encKey, evidence);
        }
    }

    /** Burns request ids (garbage evidence, rejected with quote-format) until member2 ranks first for the next one. */
    private void member2RanksFirstForTheNextRequest() throws Exception {
        while (!ResponderRank.order(reads().requestCount().add(BigInteger.ONE), List.of(gAddr, m2Addr)).getFirst().equals(m2Addr)) {
            BigInteger id = hostRequestJoin(anvil.rpc().blockNumber() - 1, SigningKey.random(RND).address(),
                    X25519KeyPair.generate(RND).publicKey(), new Evidence(new byte[64], "[]", joinerCompose).encode());
            awaitState(id, RequestState.REJECTED);
            assertThat(reads().rejectedCheck(id)).isEqualTo(4);
        }
    }

    /** A newcomer that joined and exited leaves the cluster (the governor removes it), so the members' ranking holds only live members. */
    private void leave(Joiner j) throws Exception {
        assertThat(j.process().exit(T)).isZero();
        contract.writes(gov).removeMember(j.node());
    }

    private Cvm cvm(String name, String compose, org.dstack4j.agent.simulator.MeasurementProfile profile) throws Exception {
        Cvm c = Cvm.start(dir, name, compose, profile);
        closers.add(c);
        return c;
    }

    private TestRelay relay(String name, ClusterContract c, TransactionSender sender, Object lock) throws Exception {
        TestRelay r = new TestRelay(HostRelay.withCollateralFile(c, sender, collateral), lock);
        closers.add(RelayServer.start(dir.resolve(name + ".relay.sock"), r, Duration.ofSeconds(60),
                java.util.Set.of(RelayServer.tunnelTarget(anvil.url()))));
        relays.add(r);
        return r;
    }

    private ClusterNodeProcess node(String name, Cvm cvm, List<String> rpcs, int joinTimeout, String... extra) throws Exception {
        return node(name, cvm, contract, rpcs, joinTimeout, extra);
    }

    private ClusterNodeProcess node(String name, Cvm cvm, ClusterContract c, List<String> rpcs, int joinTimeout, String... extra)
            throws Exception {
        String relayName = name.equals("member2-restarted") ? "member2" : name;
        List<String> args = new ArrayList<>(List.of("--agent-socket", cvm.socket().toString(),
                "--relay-socket", dir.resolve(relayName + ".relay.sock").toString(), "--contract", c.address().toLowerHex(),
                "--confirmations", "0", "--poll-ms", "200", "--fallback-delay", String.valueOf(FALLBACK.toSeconds()),
                "--join-timeout", String.valueOf(joinTimeout)));
        for (String u : rpcs) args.addAll(List.of("--rpc", u));
        args.addAll(List.of(extra));
        ClusterNodeProcess p = ClusterNodeProcess.start(dir, name, args);
        nodes.add(p);
        return p;
    }

    private LyingRpc liar(Lie... lies) throws Exception {
        LyingRpc l = new LyingRpc(anvil.url(), anvil.rpc(), contract, ref, lies);
        closers.add(l);
        return l;
    }

    private TransactionSender sender(int account) throws Exception {
        return new TransactionSender(anvil.rpc(), anvil.account(account), anvil.chainId(), Duration.ofSeconds(30), Duration.ofMillis(20));
    }

    private ClusterReads reads() throws Exception {
        return contract.reads(ChainView.pin(anvil.rpc(), 0));
    }

    private List<JoinRequest> requestsOf(Address node) throws Exception {
        List<JoinRequest> out = new ArrayList<>();
        for (var e : contract.events(ChainView.pin(anvil.rpc(), 0), 0, "JoinRequested")) {
            if (e.event() instanceof ClusterEvent.JoinRequested j && j.node().equals(node)) out.add(reads().request(j.id()));
        }
        return out;
    }

    /** The requests naming {@code node}, or (when the host swapped the node) carrying {@code j}'s relay-logged key, once there is one. */
    private List<JoinRequest> awaitRequestsOf(Address node, Joiner j) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            List<JoinRequest> r = requestsOf(node);
            if (r.isEmpty() && j == null) {
                // the host put another node address in the request: find it by the newcomer's key in its own output
                for (var e : contract.events(ChainView.pin(anvil.rpc(), 0), 0, "JoinRequested")) {
                    if (e.event() instanceof ClusterEvent.JoinRequested q) {
                        for (ClusterNodeProcess p : nodes) {
                            if (p.stdout().contains("\"request\":\"" + q.id() + "\"") && p.name.contains("node-address")) {
                                r = List.of(reads().request(q.id()));
                            }
                        }
                    }
                }
            }
            if (!r.isEmpty()) return r;
            Thread.sleep(200);
        }
        throw new AssertionError("no request of " + node + " on chain");
    }

    private byte[] evidenceOf(BigInteger id) throws Exception {
        return new EvmClusterView(contract, ChainView.pin(anvil.rpc(), 0)).joinEvidence(id, 0).orElseThrow();
    }

    private List<BigInteger> onboardedIds() throws Exception {
        return contract.events(ChainView.pin(anvil.rpc(), 0), 0, "Onboarded").stream()
                .map(e -> ((ClusterEvent.Onboarded) e.event()).id()).toList();
    }

    private List<BigInteger> onboardedEvents(BigInteger id) throws Exception {
        return onboardedIds().stream().filter(id::equals).toList();
    }

    private void awaitState(BigInteger id, RequestState state) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        RequestState now = null;
        while (System.nanoTime() < deadline) {
            now = reads().request(id).state();
            if (now == state) return;
            if (now != RequestState.PENDING) break;
            Thread.sleep(100);
        }
        throw new AssertionError("request " + id + " is " + now + ", expected " + state + "\ngenesis:\n" + tail(genesis) + "\nmember2:\n" + tail(m2));
    }

    private static String tail(ClusterNodeProcess p) {
        String s = p.stdout() + p.stderr();
        return s.substring(Math.max(0, s.length() - 3000));
    }

    private void awaitLog(String prefix, String contains) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            for (TestRelay r : List.of(gRelay, mRelay)) {
                if (r.log().stream().anyMatch(l -> l.startsWith(prefix) && l.contains(contains))) return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no relay log line '" + prefix + "…" + contains + "'");
    }

    private static List<JsonNode> outputFor(ClusterNodeProcess p, String event, BigInteger id) {
        return p.events().stream().filter(e -> e.path("event").asText().equals(event) && e.path("request").asText().equals(id.toString())).toList();
    }

    private static List<JsonNode> answers(ClusterNodeProcess p, BigInteger id) {
        return outputFor(p, "answered", id);
    }

    private static void awaitOutput(ClusterNodeProcess p, String event, BigInteger id) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline && outputFor(p, event, id).isEmpty()) Thread.sleep(100);
        assertThat(outputFor(p, event, id)).as(p.name + " " + event + " " + id).isNotEmpty();
    }

    /** Refused on chain with {@code check}, told so on its stdout, exited 3, never onboarded nor a member. */
    private void assertRefused(Joiner j, int check, String checkName) throws Exception {
        assertThat(j.process().exit(T)).as(j.process().stdout() + j.process().stderr()).isEqualTo(3);
        JsonNode refused = j.process().await("refused", T);
        assertThat(refused.path("check_name").asText()).isEqualTo(checkName);
        BigInteger id = new BigInteger(refused.path("request").asText());
        assertThat(reads().request(id).state()).isEqualTo(RequestState.REJECTED);
        assertThat(reads().rejectedCheck(id)).isEqualTo(check);
        assertNothingSent(j, id);
        assertThat(j.process().event("joined")).isEmpty();
    }

    /** No {@code Onboarded} for the request, the node not a member, and no member's host was asked to send an onboard for it. */
    private void assertNothingSent(Joiner j, BigInteger id) throws Exception {
        assertThat(onboardedIds()).doesNotContain(id);
        assertThat(reads().isMember(j.node())).isFalse();
        for (TestRelay r : List.of(gRelay, mRelay)) {
            assertThat(r.log()).noneMatch(l -> l.contains("\"function\":\"onboard\"") && l.contains("\"request_id\":\"" + id + "\""));
        }
    }
}
