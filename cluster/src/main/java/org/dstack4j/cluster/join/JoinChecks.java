package org.dstack4j.cluster.join;

import org.dstack4j.cluster.contract.GenesisRecord;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.IntelRootCa;
import org.dstack4j.attestation.dcap.PreparedCollateral;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.attestation.policy.KeyProvider;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.chain.Keccak;
import org.dstack4j.cluster.binding.ClusterPin;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.cluster.binding.EvidenceFormatException;
import org.dstack4j.cluster.binding.ReportDataBinding;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;

/**
 * A member's 14 join checks (docs/cluster-protocol.md "Join checks"), in order; the first failure is the outcome.
 * DCAP is our verifier ({@link DcapVerifier}) evaluated at the request block's chain time; the report data is
 * rebuilt from the on-chain request, never taken from the request's claims. Thread-safe; never throws for bad input.
 *
 * <p>The collateral comes from the member's untrusted host, so a DCAP failure in a check that reads only the
 * collateral ({@link #COLLATERAL_CHECKS}: stale or not-yet-valid TCB info, QE identity or CRLs, a bad collateral
 * signature, TCB info of another platform) decides nothing ({@link JoinOutcome.Undecided}): the member fetches the
 * collateral again at its next poll, and another member may answer meanwhile. Only a failure of the quote itself is
 * a refusal, including a quote whose own certificate chain (PCK, platform CA, root) has expired at the request's
 * time, which no collateral can cure. Collateral older than the newest this instance verified ({@link CollateralFloor},
 * in memory) is stale and decides nothing either, so a host cannot pick an older still-valid TCB info or QE identity
 * to turn {@code tdx-module}, {@code tcb-level}, {@code qe-identity-match} or the status.
 */
public final class JoinChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** DCAP checks that read only the host-served collateral (DcapVerifier's names). */
    public static final java.util.Set<String> COLLATERAL_CHECKS = java.util.Set.of("root-ca-crl", "pck-crl", "tcb-info-signature",
            "tcb-info-validity", "qe-identity-signature", "qe-identity-validity", "collateral-pck-chain", "fmspc-pceid-match");

    private final MemberSettings settings;
    private final ClusterPolicy policy;
    private final CollateralSource collateral;
    // the last collateral prepared: PreparedCollateral keeps verified signatures, so while the source hands out the same
    // collateral (a relay's file, a PCCS cache) they are checked once, not on every request (validity, revocation and
    // the request's time still are, per call)
    private volatile Prepared prepared;
    // the newest collateral issue verified: older collateral from the host is stale (in memory; a restart resets it)
    private final CollateralFloor floor = new CollateralFloor();

    private record Prepared(Collateral collateral, PreparedCollateral prepared) {}

    public JoinChecks(MemberSettings settings, ClusterPolicy policy, CollateralSource collateral) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.collateral = Objects.requireNonNull(collateral, "collateral");
    }

    /**
     * Runs the checks.
     *
     * @param request  the request as read from the chain at the member's confirmed depth
     * @param evidence the evidence bytes from the request's {@code JoinRequested} event
     */
    public JoinOutcome check(RequestView request, byte[] evidence) {
        return trace(request, evidence).outcome();
    }

    /**
     * Runs the checks and keeps each passed check's detail: what an auditor prints ({@code cluster audit-join}).
     * Same decision as {@link #check}.
     */
    public Trace trace(RequestView request, byte[] evidence) {
        return run(new Run(request, null, null, evidence));
    }

    /**
     * The evidence checks 3-14 on a genesis submission (what the governor audits before {@code bootstrap}): report data
     * is the genesis binding of the claimed cluster keys (docs/cluster-protocol.md "Report data"), DCAP is evaluated at
     * {@code submitTime} (the submission block's timestamp), and {@code cluster-pin} requires a pin of this chain and contract with no keys (the
     * genesis node draws them). Checks 1-2 (request state) do not apply.
     */
    public Trace traceGenesis(GenesisRecord genesis, Instant submitTime, byte[] evidence) {
        return run(new Run(null, Objects.requireNonNull(genesis, "genesis"), Objects.requireNonNull(submitTime, "submitTime"), evidence));
    }

    private interface LogRead<T> {
        T get() throws RuntimeLog.Invalid;
    }

    private Trace run(Run r) {
        try {
            return new Trace(r.steps, r.run());
        } catch (Stop s) {
            return new Trace(r.steps, s.outcome);
        } catch (RuntimeException e) {
            // A bug or an input the parsers did not foresee: decide nothing rather than answer wrongly.
            return new Trace(r.steps, new JoinOutcome.Undecided(JoinCheck.REQUEST_PENDING, "internal error: " + e.getClass().getSimpleName()));
        }
    }

    /**
     * One passed check.
     *
     * @param check  the check
     * @param detail what it found (public values only)
     */
    public record Step(JoinCheck check, String detail) {}

    /**
     * The checks that passed, in order, and the outcome; checks after a failed or undecided one did not run.
     *
     * @param passed  passed checks in order
     * @param outcome the decision ({@link #check} returns it)
     */
    public record Trace(List<Step> passed, JoinOutcome outcome) {
        public Trace {
            passed = List.copyOf(passed);
        }
    }

    /** Early exit carrying the outcome. */
    private static final class Stop extends Exception {
        final transient JoinOutcome outcome;

        Stop(JoinOutcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    private static Stop fail(JoinCheck c, String reason) {
        return new Stop(new JoinOutcome.Failed(c, reason));
    }

    private final class Run {
        private final RequestView req;         // a join request, or
        private final GenesisRecord genesis;   // a genesis submission
        private final Instant submitTime;      // and its block's time
        private final byte[] evidenceBytes;
        private final List<Step> steps = new ArrayList<>();

        Run(RequestView req, GenesisRecord genesis, Instant submitTime, byte[] evidenceBytes) {
            this.req = req;
            this.genesis = genesis;
            this.submitTime = submitTime;
            this.evidenceBytes = evidenceBytes;
        }

        private void pass(JoinCheck c, String detail) {
            steps.add(new Step(c, detail));
        }

        private boolean allowed(JoinCheck c, PolicyKind kind, byte[] value) throws Stop {
            try {
                return policy.isAllowed(kind, value);
            } catch (ClusterPolicy.PolicyUnavailableException e) {
                throw new Stop(new JoinOutcome.Undecided(c, "policy read failed: " + e.getMessage()));
            }
        }

        JoinOutcome run() throws Stop {
            if (req != null) requestLive();
            return evidenceChecks();
        }

        private void requestLive() throws Stop {
            // 1 request-pending
            if (req.state() != RequestState.PENDING) throw fail(JoinCheck.REQUEST_PENDING, "request " + req.requestId() + " is " + req.state());
            if (req.nodeRemoved()) throw fail(JoinCheck.REQUEST_PENDING, "node " + req.node() + " was removed from the cluster");
            pass(JoinCheck.REQUEST_PENDING, "pending");
            // 2 request-fresh
            long deadline = req.requestBlock() + req.requestTtl();
            if (req.confirmedBlock() > deadline) {
                throw fail(JoinCheck.REQUEST_FRESH, "confirmed block " + req.confirmedBlock() + " is past the request's last block " + deadline);
            }
            pass(JoinCheck.REQUEST_FRESH, "live until block " + deadline);
        }

        private JoinOutcome evidenceChecks() throws Stop {
            Instant at = req != null ? req.requestBlockTime() : submitTime;
            // 3 evidence-hash
            if (evidenceBytes == null || !MessageDigest.isEqual(Keccak.keccak256(evidenceBytes), req != null ? req.evidenceHash() : genesis.evidenceHash())) {
                throw fail(JoinCheck.EVIDENCE_HASH, "keccak256 of the event's evidence is not the request's evidenceHash");
            }
            pass(JoinCheck.EVIDENCE_HASH, "keccak256(evidence) = evidenceHash");
            // 4 quote-format
            Evidence ev;
            TdxQuote quote;
            try {
                ev = Evidence.decode(evidenceBytes);
                quote = TdxQuote.parse(ev.quote());
            } catch (EvidenceFormatException | QuoteFormatException e) {
                throw fail(JoinCheck.QUOTE_FORMAT, e.getMessage());
            }
            pass(JoinCheck.QUOTE_FORMAT, "TDX v" + quote.version() + " quote");
            // 5 dcap, against the root the quote's chain names (check 6 decides whether that root is acceptable)
            X509Certificate root = quoteRoot(quote, at);
            Collateral col;
            try {
                col = collateral.collateralFor(ev.quote());
            } catch (CollateralSource.CollateralUnavailableException e) {
                throw new Stop(new JoinOutcome.Undecided(JoinCheck.DCAP, "no collateral: " + e.getMessage()));
            }
            boolean intel = MessageDigest.isEqual(PolicyValues.dcapRoot(root), PolicyValues.dcapRoot(IntelRootCa.certificate()));
            DcapVerifier verifier = intel ? DcapVerifier.intel() : DcapVerifier.withTrustedRoot(root);
            // allowDebug: the debug bit is check 8's to report, by name
            Prepared p = prepared;
            // by content: a relay hands out a new copy of the same collateral on every fetch
            if (p == null || !p.collateral().equals(col)) prepared = p = new Prepared(col, PreparedCollateral.of(col));
            DcapVerification v = verifier.verify(ev.quote(), p.prepared(), at, true);
            Optional<org.dstack4j.attestation.Check> hosts = v.checks().stream()
                    .filter(c -> !c.ok() && COLLATERAL_CHECKS.contains(c.name())).findFirst();
            if (hosts.isPresent()) {
                throw new Stop(new JoinOutcome.Undecided(JoinCheck.DCAP, "the host's collateral does not verify at the request's time "
                        + at + " (" + hosts.get().name() + ": " + hosts.get().detail() + "); fetching it again"));
            }
            notBelowFloor(p.prepared(), v, root, intel);
            if (!v.valid()) {
                throw fail(JoinCheck.DCAP, v.firstFailure().map(c -> c.name() + ": " + c.detail()).orElse("invalid") + " (at " + at + ")");
            }
            pass(JoinCheck.DCAP, "valid at " + at + ", status " + v.status());
            // 6 dcap-root
            byte[] rootValue = PolicyValues.dcapRoot(root);
            String rootHex = HexFormat.of().formatHex(rootValue);
            if (!intel && !settings.allowTestRoot()) {
                throw fail(JoinCheck.DCAP_ROOT, "the quote chains to " + rootHex + ", not Intel's root, and this member's measured settings "
                        + "allow only Intel's");
            }
            if (!allowed(JoinCheck.DCAP_ROOT, PolicyKind.DCAP_ROOT, rootValue)) {
                throw fail(JoinCheck.DCAP_ROOT, "root " + rootHex + " is not an allowed DCAP_ROOT");
            }
            pass(JoinCheck.DCAP_ROOT, (intel ? "Intel root " : "test root ") + rootHex);
            // 7 tcb-status
            if (!allowed(JoinCheck.TCB_STATUS, PolicyKind.TCB_STATUS, PolicyValues.tcbStatus(v.status()))) {
                throw fail(JoinCheck.TCB_STATUS, "TCB status " + v.status() + " is not an allowed TCB_STATUS");
            }
            pass(JoinCheck.TCB_STATUS, v.status());
            // 8 debug-td
            TdReport td = quote.tdReport();
            if (td.isDebug()) throw fail(JoinCheck.DEBUG_TD, "the TD has the DEBUG attribute: its memory is readable by the host");
            pass(JoinCheck.DEBUG_TD, "not debug");
            // 9 report-data, rebuilt from the on-chain request (or genesis record)
            byte[] expected = req != null ? ReportDataBinding.join(settings.cluster(), req.anchorHash(), req.encKey(), req.node())
                    : ReportDataBinding.genesis(settings.cluster(), genesis.anchorHash(),
                            new ClusterPublicKeys(genesis.signer(), genesis.encKey()), genesis.node());
            if (!MessageDigest.isEqual(expected, td.reportData())) {
                throw fail(JoinCheck.REPORT_DATA, "the quote's report data does not bind this chain, contract, anchor block, "
                        + (req != null ? "key" : "cluster keys") + " and node");
            }
            pass(JoinCheck.REPORT_DATA, req != null ? "binds request " + req.requestId() : "binds signer " + genesis.signer() + " and node " + genesis.node());
            // 10 rtmr3-replay
            EventLog log = replayed(ev.eventLog(), td);
            pass(JoinCheck.RTMR3_REPLAY, log.rtmr3Events().size() + " RTMR3 events replay to the quote's RTMR3");
            // 11 measurement
            EventLogEntry kp = log(JoinCheck.MEASUREMENT, () -> RuntimeLog.single(log, RuntimeLog.KEY_PROVIDER));
            checkNamedCluster(kp);
            byte[] m = log(JoinCheck.MEASUREMENT, () -> RuntimeLog.measurement(td, log));
            if (!allowed(JoinCheck.MEASUREMENT, PolicyKind.MEASUREMENT, m)) {
                throw fail(JoinCheck.MEASUREMENT, "MRTD/RTMR0-2/key-provider measurement " + HexFormat.of().formatHex(m) + " is not allowed");
            }
            pass(JoinCheck.MEASUREMENT, HexFormat.of().formatHex(m));
            // 12 compose-hash
            byte[] composeHash = log(JoinCheck.COMPOSE_HASH, () -> RuntimeLog.composeHash(log, ev.appCompose()));
            if (!allowed(JoinCheck.COMPOSE_HASH, PolicyKind.COMPOSE_HASH, composeHash)) {
                throw fail(JoinCheck.COMPOSE_HASH, "compose hash " + HexFormat.of().formatHex(composeHash) + " is not an allowed COMPOSE_HASH");
            }
            pass(JoinCheck.COMPOSE_HASH, HexFormat.of().formatHex(composeHash));
            // 13 launcher-compose
            JsonNode compose = composeJson(ev.appCompose());
            JsonNode launcher = compose.get("docker_compose_file");
            if (launcher != null) {
                if (!launcher.isTextual()) throw fail(JoinCheck.LAUNCHER_COMPOSE, "docker_compose_file is not a string");
                byte[] lh = PolicyValues.sha256(launcher.textValue());
                if (!allowed(JoinCheck.LAUNCHER_COMPOSE, PolicyKind.LAUNCHER_COMPOSE_HASH, lh)) {
                    throw fail(JoinCheck.LAUNCHER_COMPOSE, "launcher compose " + HexFormat.of().formatHex(lh) + " is not an allowed LAUNCHER_COMPOSE_HASH");
                }
                pass(JoinCheck.LAUNCHER_COMPOSE, HexFormat.of().formatHex(lh));
            } else {
                pass(JoinCheck.LAUNCHER_COMPOSE, "no launcher compose");
            }
            // 14 cluster-pin
            Optional<ClusterPin> pin;
            try {
                pin = ClusterPin.fromCompose(ev.appCompose());
            } catch (ClusterPin.PinFormatException e) {
                throw fail(JoinCheck.CLUSTER_PIN, e.getMessage());
            }
            if (pin.isEmpty()) throw fail(JoinCheck.CLUSTER_PIN, "the app-compose has no " + ClusterPin.FIELD + " pin");
            if (!pin.get().cluster().equals(settings.cluster())) {
                throw fail(JoinCheck.CLUSTER_PIN, "the app-compose pins chain " + pin.get().cluster().chainId() + " contract "
                        + pin.get().cluster().contract() + ", not this cluster");
            }
            if (genesis != null) {
                // the genesis node draws the secret: a compose that pins keys names a cluster that already exists
                if (pin.get().keys().isPresent()) throw fail(JoinCheck.CLUSTER_PIN, "a genesis app-compose must pin no signer and encryption key");
                pass(JoinCheck.CLUSTER_PIN, "pins this chain and contract, no keys (genesis)");
            } else {
                if (pin.get().keys().isEmpty() || !pin.get().keys().get().equals(settings.keys())) {
                    throw fail(JoinCheck.CLUSTER_PIN, "the app-compose does not pin this cluster's signer and encryption key");
                }
                pass(JoinCheck.CLUSTER_PIN, "pins this cluster");
            }
            return new JoinOutcome.Passed(steps.stream().map(st -> st.check().checkName() + ": " + st.detail()).toList());
        }

        /**
         * Collateral that verified but is older than the newest this member verified ({@link CollateralFloor}) decides
         * nothing; otherwise it may raise the floor, when its root is Intel's or the member's settings allow test roots
         * (a newcomer's own test root must not lift the floor of a member that refuses it anyway).
         */
        private void notBelowFloor(PreparedCollateral col, DcapVerification v, X509Certificate root, boolean intel) throws Stop {
            boolean verified = java.util.stream.Stream.of("tcb-info-validity", "qe-identity-validity")
                    .allMatch(n -> v.check(n).map(org.dstack4j.attestation.Check::ok).orElse(false));
            Optional<org.dstack4j.attestation.dcap.CollateralIssue> issue = col.issue();
            if (!verified || issue.isEmpty()) return;
            Optional<String> stale = floor.admit(HexFormat.of().formatHex(PolicyValues.dcapRoot(root)), issue.get(),
                    intel || settings.allowTestRoot());
            if (stale.isPresent()) {
                throw new Stop(new JoinOutcome.Undecided(JoinCheck.DCAP, "the host's collateral is stale: " + stale.get() + "; fetching it again"));
            }
        }

        /** The root of the quote's own PCK chain; a chain with a certificate expired at {@code at} is the quote's failure. */
        private X509Certificate quoteRoot(TdxQuote quote, Instant at) throws Stop {
            Optional<String> pem = quote.signatureData().qeReportCertificationData().flatMap(q -> q.certificationData().pemChain())
                    .or(() -> quote.signatureData().certificationData().pemChain());
            if (pem.isEmpty()) throw fail(JoinCheck.DCAP, "the quote carries no PCK certificate chain (certification data type 5)");
            try {
                var certs = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem.get().getBytes(StandardCharsets.US_ASCII)));
                if (certs.isEmpty()) throw fail(JoinCheck.DCAP, "the quote's PCK certificate chain is empty");
                for (var c : certs) {
                    X509Certificate x = (X509Certificate) c;
                    if (x.getNotAfter().toInstant().isBefore(at)) {
                        throw fail(JoinCheck.DCAP, "pck-certificate-chain: the quote's certificate " + x.getSubjectX500Principal().getName()
                                + " expired " + x.getNotAfter().toInstant() + ", before the request's time " + at + " (no collateral can cure it)");
                    }
                }
                return (X509Certificate) List.copyOf(certs).getLast();
            } catch (CertificateException e) {
                throw fail(JoinCheck.DCAP, "the quote's PCK certificate chain does not parse");
            }
        }

        private EventLog replayed(String eventLogJson, TdReport td) throws Stop {
            return log(JoinCheck.RTMR3_REPLAY, () -> RuntimeLog.replayed(eventLogJson, td));
        }

        /** A {@link RuntimeLog} rule's value, or check {@code c} failed with its reason. */
        private <T> T log(JoinCheck c, LogRead<T> read) throws Stop {
            try {
                return read.get();
            } catch (RuntimeLog.Invalid e) {
                throw fail(c, e.getMessage());
            }
        }

        /**
         * A cluster-keyed CVM (its key-provider event names a dstack4j cluster) must name this one: its apps would
         * otherwise get keys from another cluster. Other key providers (local-sgx, kms, none) are left to the policy.
         */
        private void checkNamedCluster(EventLogEntry kp) throws Stop {
            Optional<KeyProvider> provider = KeyProvider.fromPayload(log(JoinCheck.MEASUREMENT, () -> RuntimeLog.payload(kp)));
            if (provider.isEmpty()) return; // the allowed measurement decides on what it does not name
            Optional<ClusterKeyProvider> named;
            try {
                named = ClusterKeyProvider.of(provider.get());
            } catch (IllegalArgumentException e) {
                throw fail(JoinCheck.MEASUREMENT, "the key-provider event: " + e.getMessage());
            }
            ClusterKeyProvider self = new ClusterKeyProvider(settings.cluster().chainId(), settings.cluster().contract().toLowerHex());
            if (named.isPresent() && !named.get().equals(self)) {
                throw fail(JoinCheck.MEASUREMENT, "the key-provider event names cluster " + named.get().id() + ", not this cluster " + self.id());
            }
        }

        private JsonNode composeJson(String text) throws Stop {
            try {
                JsonNode n = JSON.readTree(text);
                if (n == null || !n.isObject()) throw fail(JoinCheck.LAUNCHER_COMPOSE, "the app-compose is not a JSON object");
                return n;
            } catch (JacksonException e) {
                throw fail(JoinCheck.LAUNCHER_COMPOSE, "the app-compose is not valid JSON");
            }
        }
    }
}
