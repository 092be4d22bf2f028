package org.dstack4j.cluster.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.rpc.Block;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.evm.EvmClusterView;
import org.dstack4j.cluster.join.CollateralSource;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.MemberSettings;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.node.Attestor;
import org.dstack4j.cluster.node.Genesis;
import org.dstack4j.cluster.node.Member;
import org.dstack4j.cluster.node.Newcomer;
import org.dstack4j.cluster.node.ResponderRank;
import org.dstack4j.cluster.relay.ContractCall;
import org.dstack4j.cluster.relay.Relay;
import org.dstack4j.cluster.relay.RelayException;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * One cluster node: gets the secret (genesis or join), then answers other nodes' join requests until stopped.
 * Every chain read is at {@code head − confirmations} through its {@link ChainSource} (in a CVM: the endpoints its compose
 * pins, through the relay's tunnel, {@link NodeChain}); every write goes through the relay; the secret stays in this
 * object (never logged, destroyed by {@link #close()}). A restart starts over with a new join request and a new key.
 *
 * <p>Progress is reported as one JSON object per line to the {@code out} sink, with public values only:
 * {@code genesis-submitted}, {@code bootstrapped}, {@code join-requested}, {@code joined} (with the derived cluster
 * signer and encryption key, and {@code join_ms}), {@code refused} (with the check), {@code answered},
 * {@code undecided}, {@code relay-error}.
 */
public final class NodeDaemon implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest wait between reads while the chain cannot be read. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final ChainSource chain;
    private final ClusterContract contract;
    private final Attestor attestor;
    private final ClusterPin pin;
    private final Relay relay;
    private final CollateralSource collateral;
    private final DaemonConfig config;
    private final Consumer<String> out;
    private final SecureRandom random = new SecureRandom();
    private volatile ClusterSecret secret;
    private final java.util.concurrent.locks.ReentrantReadWriteLock secretLock = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private volatile boolean stopped;
    /** The members as {@link #serve()} last read them from the contract's events (this node included). */
    private volatile List<Address> memberView = List.of();
    private final Map<BigInteger, String> undecided = new HashMap<>(); // serve(): the last reason logged per request

    /**
     * @param pin the node's measured cluster pin (from its own app-compose); must name this chain and contract
     * @throws IllegalArgumentException when the pin names another contract
     */
    public NodeDaemon(JsonRpcClient rpc, ClusterContract contract, Attestor attestor, ClusterPin pin, Relay relay,
            CollateralSource collateral, DaemonConfig config, Consumer<String> out) {
        this(ChainSource.single(Objects.requireNonNull(rpc, "rpc")), contract, attestor, pin, relay, collateral, config, out);
    }

    /**
     * A node that reads the chain through {@code chain} (one endpoint or a quorum of them).
     *
     * @param pin the node's measured cluster pin (from its own app-compose); must name this chain and contract
     * @throws IllegalArgumentException when the pin names another contract
     */
    public NodeDaemon(ChainSource chain, ClusterContract contract, Attestor attestor, ClusterPin pin, Relay relay,
            CollateralSource collateral, DaemonConfig config, Consumer<String> out) {
        this.chain = Objects.requireNonNull(chain, "chain");
        this.contract = Objects.requireNonNull(contract, "contract");
        this.attestor = Objects.requireNonNull(attestor, "attestor");
        this.pin = Objects.requireNonNull(pin, "pin");
        this.relay = Objects.requireNonNull(relay, "relay");
        this.collateral = Objects.requireNonNull(collateral, "collateral");
        this.config = Objects.requireNonNull(config, "config");
        this.out = Objects.requireNonNull(out, "out");
        if (!pin.cluster().contract().equals(contract.address())) {
            throw new IllegalArgumentException("this node's app-compose pins contract " + pin.cluster().contract()
                    + ", not " + contract.address() + ": pass the pinned --contract");
        }
    }

    /** Outcome of getting the secret. */
    public sealed interface Start permits Holding, Refused, TimedOut, Failed {}

    /** The node holds the secret (its derived public keys are the contract's and the pin's). */
    public record Holding(Optional<BigInteger> requestId, long joinMillis) implements Start {}

    /** A member refused the request on chain with this check. */
    public record Refused(BigInteger requestId, int check) implements Start {}

    /** No answer before the join timeout (a relay that withholds, no member online). */
    public record TimedOut(String what) implements Start {}

    /** The node could not proceed (bad setup, wrong secret offered, relay refused to submit). */
    public record Failed(String reason) implements Start {}

    /** Whether the node holds the secret now. */
    public boolean holdsSecret() {
        ClusterSecret s = secret;
        return s != null;
    }

    /**
     * Applies {@code use} to the key derivation of the secret this node holds (for the app-key socket,
     * {@code org.dstack4j.cluster.apps}); empty while it holds none. {@code use} must not keep the derivation.
     */
    public <T> Optional<T> withDerivation(java.util.function.Function<KeyDerivation, T> use) {
        // the read lock keeps close() from zeroing the secret while a derivation runs (it would derive from zeros)
        secretLock.readLock().lock();
        try {
            ClusterSecret s = secret;
            return s == null || s.isDestroyed() ? Optional.empty() : Optional.ofNullable(use.apply(KeyDerivation.of(s, pin.cluster())));
        } finally {
            secretLock.readLock().unlock();
        }
    }

    /**
     * The cluster's members as the member loop ({@link #serve()}) last read them at the confirmed view, this node
     * included; empty before its first poll. For jobs that rank members (the TLS issuer election).
     */
    public List<Address> members() {
        return memberView;
    }

    /**
     * Genesis: draws the secret, submits {@code submitGenesis} through the relay and waits until the governor
     * bootstraps this genesis.
     */
    public Start genesis() throws InterruptedException {
        Address node;
        Genesis g;
        try {
            node = attestor.nodeAddress();
            g = Genesis.draw(pin, node, random);
        } catch (Attestor.AttestationException | IllegalArgumentException e) {
            return new Failed(e.getMessage());
        }
        long t0 = System.nanoTime();
        long deadline = t0 + config.joinTimeout().toNanos();
        Backoff backoff = new Backoff();
        try {
            Optional<Block> anchored = anchor(deadline, backoff);
            if (anchored.isEmpty()) return new TimedOut("a chain read for the genesis anchor");
            Block anchor = anchored.get();
            Evidence ev = attestor.evidence(g.reportData(anchor.hash()));
            relay.submit(new ContractCall.SubmitGenesis(anchor.number(), node, g.keys().signer(), g.keys().encKey(), ev.encode()));
            emit("genesis-submitted", o -> o.put("node", node.toLowerHex()).put("anchor", anchor.number()));
            while (System.nanoTime() < deadline && !stopped) {
                List<ClusterContract.Emitted> bootstrapped;
                try {
                    bootstrapped = contract.events(view(), anchor.number(), "Bootstrapped");
                } catch (RpcException e) {
                    readError(e);
                    backoff.sleep();
                    continue;
                }
                backoff.reset();
                for (ClusterContract.Emitted e : bootstrapped) {
                    if (e.event() instanceof ClusterEvent.Bootstrapped b && b.node().equals(node) && b.signer().equals(g.keys().signer())) {
                        byte[] raw = g.secret().copyBytes();
                        secret = ClusterSecret.of(raw);
                        java.util.Arrays.fill(raw, (byte) 0);
                        emit("bootstrapped", o -> keys(o).put("genesis_id", b.genesisId().toString()).put("node", node.toLowerHex()));
                        return new Holding(Optional.empty(), (System.nanoTime() - t0) / 1_000_000);
                    }
                }
                Thread.sleep(config.pollInterval().toMillis());
            }
            return new TimedOut("bootstrap of this genesis");
        } catch (Attestor.AttestationException | RelayException e) {
            return new Failed("genesis: " + e.getMessage());
        } finally {
            g.close();
        }
    }

    /** Join: a new in-memory key, a quote binding it to a confirmed anchor block, {@code requestJoin} through the relay. */
    public Start join() throws InterruptedException {
        Address node;
        try {
            node = attestor.nodeAddress();
        } catch (Attestor.AttestationException e) {
            return new Failed(e.getMessage());
        }
        try (Newcomer n = Newcomer.start(pin, node, random)) {
            long t0 = System.nanoTime();
            long deadline = t0 + config.joinTimeout().toNanos();
            Backoff backoff = new Backoff();
            Optional<Block> anchored = anchor(deadline, backoff);
            if (anchored.isEmpty()) return new TimedOut("a chain read for the join anchor");
            Block anchor = anchored.get();
            Evidence ev = attestor.evidence(n.reportData(anchor.hash()));
            relay.submit(new ContractCall.RequestJoin(anchor.number(), node, n.encKey(), ev.encode()));
            Optional<BigInteger> id = Optional.empty();
            while (System.nanoTime() < deadline && !stopped) {
                try {
                    ChainReader v = view();
                    if (id.isEmpty()) {
                        // the relay's word is not taken: our request is the one carrying our key
                        id = contract.events(v, anchor.number(), "JoinRequested").stream().map(ClusterContract.Emitted::event)
                                .filter(e -> e instanceof ClusterEvent.JoinRequested j && java.util.Arrays.equals(j.encKey(), n.encKey()))
                                .map(e -> ((ClusterEvent.JoinRequested) e).id()).findFirst();
                        if (id.isPresent()) {
                            BigInteger rid = id.get();
                            emit("join-requested", o -> o.put("request", rid.toString()).put("node", node.toLowerHex()));
                        }
                    }
                    if (id.isPresent()) {
                        EvmClusterView cv = new EvmClusterView(contract, v);
                        RequestView r = cv.request(id.get());
                        if (r.state() == RequestState.REJECTED) {
                            int check = contract.reads(v).rejectedCheck(id.get());
                            BigInteger rid = id.get();
                            emit("refused", o -> o.put("request", rid.toString()).put("check", check).put("check_name", checkName(check)));
                            return new Refused(rid, check);
                        }
                        if (r.state() == RequestState.ONBOARDED) {
                            Optional<byte[]> sealed = cv.onboarded(id.get(), r.requestBlock());
                            if (sealed.isPresent()) {
                                Newcomer.Outcome o = n.onOnboarded(id.get(), cv.epoch(), r.evidenceHash(), sealed.get(), cv.clusterKeys());
                                if (o instanceof Newcomer.Joined j) {
                                    secret = j.secret();
                                    long ms = (System.nanoTime() - t0) / 1_000_000;
                                    BigInteger rid = id.get();
                                    emit("joined", x -> keys(x).put("request", rid.toString()).put("node", node.toLowerHex()).put("join_ms", ms));
                                    return new Holding(id, ms);
                                }
                                BigInteger rid = id.get();
                                emit("answer-refused", x -> x.put("request", rid.toString()).put("why", o.getClass().getSimpleName()));
                                return new Failed("the answer to request " + id.get() + " was refused: " + o);
                            }
                        }
                    }
                    backoff.reset();
                } catch (RpcException | ClusterContractException e) {
                    // the endpoint is down or the endpoints disagree: nothing is decided on this read; retry with back-off
                    readError(e);
                    backoff.sleep();
                    continue;
                }
                Thread.sleep(config.pollInterval().toMillis());
            }
            return new TimedOut(id.map(i -> "an answer to request " + i).orElse("our join request on chain"));
        } catch (Attestor.AttestationException | RelayException e) {
            return new Failed("join: " + e.getMessage());
        }
    }

    /**
     * Member loop: until {@link #stop()}, reads new {@code JoinRequested} events at the confirmed view and answers each
     * pending request when its rank's delay has passed. Read errors are reported and retried at the next poll.
     *
     * @throws IllegalStateException when the node holds no secret
     */
    public void serve() throws InterruptedException {
        if (secret == null) throw new IllegalStateException("serve() needs the secret: run genesis() or join() first");
        Address me;
        try {
            me = attestor.nodeAddress();
        } catch (Attestor.AttestationException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        MemberSettings settings = new MemberSettings(pin.cluster(), KeyDerivation.of(secret, pin.cluster()).publicKeys(), pin.allowTestRoot());
        Set<Address> members = new LinkedHashSet<>();
        Map<BigInteger, Long> pending = new HashMap<>(); // request id → request block
        Map<BigInteger, Long> seenAt = new HashMap<>();  // request id → when this node first saw it (nanos)
        // one JoinChecks (and Member) for the whole loop, so its prepared-collateral cache outlives a poll; each poll
        // points it at the policy of that poll's confirmed view
        ViewPolicy policy = new ViewPolicy();
        Member member = new Member(secret, settings, new JoinChecks(settings, policy, collateral));
        long scanned = -1;
        Backoff backoff = new Backoff();
        while (!stopped) {
            try {
                ChainReader v = view();
                List<ClusterContract.Emitted> fresh = scanned < v.blockNumber() ? contract.events(v, scanned + 1) : List.of();
                for (ClusterContract.Emitted e : fresh) {
                    switch (e.event()) {
                        case ClusterEvent.Bootstrapped b -> members.add(b.node());
                        case ClusterEvent.Onboarded o -> {
                            members.add(o.node());
                            pending.remove(o.id());
                        }
                        case ClusterEvent.Rejected r -> pending.remove(r.id());
                        case ClusterEvent.MemberRemoved m -> members.remove(m.node());
                        case ClusterEvent.JoinRequested j -> {
                            pending.put(j.id(), e.blockNumber());
                            seenAt.put(j.id(), System.nanoTime());
                        }
                        default -> { }
                    }
                }
                scanned = v.blockNumber();
                members.add(me);
                memberView = List.copyOf(members);
                EvmClusterView cv = new EvmClusterView(contract, v);
                policy.at = cv.policy();
                for (BigInteger id : new ArrayList<>(pending.keySet())) {
                    Duration wait = ResponderRank.delay(id, List.copyOf(members), me, config.fallbackDelay());
                    if (System.nanoTime() - seenAt.get(id) < wait.toNanos()) continue;
                    answer(cv, member, id, pending.get(id), pending);
                }
                undecided.keySet().retainAll(pending.keySet());
                backoff.reset();
            } catch (RpcException | ClusterContractException | RuntimeException e) {
                // one bad poll (endpoint down, endpoints disagree, malformed answer) must not end the member; it retries
                readError(e);
                backoff.sleep();
                continue;
            }
            Thread.sleep(config.pollInterval().toMillis());
        }
    }

    private void answer(EvmClusterView cv, Member member, BigInteger id, long requestBlock, Map<BigInteger, Long> pending)
            throws RpcException, ClusterContractException {
        RequestView r = cv.request(id);
        if (r.state() != RequestState.PENDING) {
            pending.remove(id);
            return;
        }
        Optional<byte[]> ev = cv.joinEvidence(id, requestBlock);
        if (ev.isEmpty()) return;
        Member.Answer a = member.answer(r, ev.get(), cv.epoch());
        try {
            switch (a) {
                case Member.Onboard on -> {
                    relay.submit(new ContractCall.Onboard(id, on.sealed(), on.signature().toBytes()));
                    emit("answered", o -> o.put("request", id.toString()).put("outcome", "onboard"));
                    pending.remove(id);
                }
                case Member.Reject rej -> {
                    relay.submit(new ContractCall.Reject(id, rej.check().number(), rej.signature().toBytes()));
                    emit("answered", o -> o.put("request", id.toString()).put("outcome", "reject")
                            .put("check", rej.check().number()).put("check_name", rej.check().checkName()).put("reason", rej.reason()));
                    pending.remove(id);
                }
                case Member.NoAnswer na -> {
                    // once per request and reason: a stale collateral is fetched again at every poll
                    String why = na.why().toString();
                    if (!why.equals(undecided.put(id, why))) emit("undecided", o -> o.put("request", id.toString()).put("why", why));
                }
            }
        } catch (RelayException e) {
            // another responder may have answered first; the next poll reads the state again
            emit("relay-error", o -> o.put("request", id.toString()).put("error", e.getMessage()));
        }
    }

    /** Makes {@link #serve()}, {@link #join()} and {@link #genesis()} return at their next poll. */
    public void stop() {
        stopped = true;
    }

    /** Stops and zeroes the secret. */
    @Override
    public void close() {
        stop();
        secretLock.writeLock().lock();
        try {
            ClusterSecret s = secret;
            secret = null;
            if (s != null) s.destroy();
        } finally {
            secretLock.writeLock().unlock();
        }
    }

    private ChainReader view() throws RpcException {
        return chain.pin(config.confirmations());
    }

    /** A confirmed block to anchor a request to, retried with back-off until {@code deadline}; empty when none was read. */
    private Optional<Block> anchor(long deadline, Backoff backoff) throws InterruptedException {
        while (System.nanoTime() < deadline && !stopped) {
            try {
                return Optional.of(view().block());
            } catch (RpcException e) {
                readError(e);
                backoff.sleep();
            }
        }
        return Optional.empty();
    }

    /** One line per failed read: {@code rpc-disagreement} when the endpoints disagree (one of them lies or lags), else {@code read-error}. */
    private void readError(Exception e) {
        Optional<org.dstack4j.chain.rpc.RpcError.Disagreement> d = ChainSource.disagreement(e);
        if (d.isPresent()) {
            emit("rpc-disagreement", o -> o.put("method", d.get().method()).put("endpoints", d.get().endpoints()).put("detail", d.get().detail()));
        } else {
            emit("read-error", o -> o.put("error", String.valueOf(e.getMessage())));
        }
    }

    /** The policy at the current poll's confirmed view (serve() is single-threaded; set before each poll's answers). */
    private static final class ViewPolicy implements org.dstack4j.cluster.join.ClusterPolicy {
        private volatile org.dstack4j.cluster.join.ClusterPolicy at;

        @Override
        public boolean isAllowed(org.dstack4j.cluster.contract.PolicyKind kind, byte[] value) throws PolicyUnavailableException {
            org.dstack4j.cluster.join.ClusterPolicy p = at;
            if (p == null) throw new PolicyUnavailableException("no confirmed view read yet", null);
            return p.isAllowed(kind, value);
        }
    }

    /** Poll back-off after failed reads: the poll interval doubled per failure, at most {@link #MAX_BACKOFF} (or the poll interval when longer). */
    private final class Backoff {
        private int failures;

        void sleep() throws InterruptedException {
            long base = config.pollInterval().toMillis();
            long cap = Math.max(base, MAX_BACKOFF.toMillis());
            long ms = Math.min(cap, base << Math.min(failures, 20));
            failures++;
            Thread.sleep(ms);
        }

        void reset() {
            failures = 0;
        }
    }

    private ObjectNode keys(ObjectNode o) {
        var k = KeyDerivation.of(secret, pin.cluster()).publicKeys();
        return o.put("signer", k.signer().toLowerHex()).put("enc_key", Hex.data(k.encKey()));
    }

    private static String checkName(int n) {
        return JoinCheck.ofNumber(n).map(JoinCheck::checkName).orElse("unknown");
    }

    private void emit(String event, Consumer<ObjectNode> fill) {
        ObjectNode o = JSON.createObjectNode().put("event", event);
        fill.accept(o);
        out.accept(o.toString());
    }
}
