package org.dstack4j.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.join.PolicyValues;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.TcbInfo;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dstack4j cluster gov …}: the governor's transactions. The key comes from a file or $DSTACK4J_GOV_KEY. */
@Command(name = "gov", mixinStandardHelpOptions = true,
        description = {"The governor's transactions (a multisig or timelock in production; an EOA key here).",
            "The key is read from --key-file or $DSTACK4J_GOV_KEY and never printed."},
        subcommands = {GovCommand.Deploy.class, GovCommand.Operator.class, GovCommand.Allow.class, GovCommand.Apply.class,
            GovCommand.Disallow.class, GovCommand.AuditGenesis.class, GovCommand.Bootstrap.class, GovCommand.RemoveMember.class})
public final class GovCommand implements Runnable {
    static final String KEY_ENV = "DSTACK4J_GOV_KEY";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options of every governor command. */
    static class GovBase {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ChainOptions chain;

        @Option(names = "--key-file", paramLabel = "FILE", description = "Governor's secp256k1 private key (hex). Default: $" + KEY_ENV + ".")
        Path keyFile;

        @Option(names = "--receipt-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "How long to wait for a receipt.")
        int receiptTimeout;

        TransactionSender sender(JsonRpcClient rpc) throws Exception {
            return chain.sender(rpc, ChainOptions.key(spec.commandLine(), keyFile, KEY_ENV), receiptTimeout);
        }
    }

    /** Governor commands on a deployed contract. */
    static class OnContract extends GovBase {
        @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
        String contract;

        ClusterContract contract() {
            return new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
        }

        /** One policy transaction per entry, each printed as {@code VERB kind value}. */
        int eachPolicy(PolicyArgs policy, String verb, PolicyTx tx) throws Exception {
            try (JsonRpcClient rpc = chain.client()) {
                var w = contract().writes(sender(rpc));
                for (var e : policy.entries(spec.commandLine())) {
                    tx.send(w, e.getKey(), e.getValue());
                    spec.commandLine().getOut().println(verb + " " + e.getKey().cliName() + " " + Hex.data(e.getValue()));
                }
                return 0;
            }
        }
    }

    /** A policy transaction. */
    interface PolicyTx {
        void send(org.dstack4j.cluster.contract.ClusterWrites w, PolicyKind kind, byte[] value) throws ClusterContractException;
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true, description = "Deploys DstackCluster with this key as governor; prints its address.")
    static final class Deploy extends GovBase implements Callable<Integer> {
        @Option(names = "--policy-delay", paramLabel = "SECONDS", defaultValue = "86400", description = "Time lock of policy additions.")
        long policyDelay;

        @Option(names = "--max-anchor-age", paramLabel = "BLOCKS", defaultValue = "64", description = "How old a request's anchor block may be (1..256).")
        long maxAnchorAge;

        @Option(names = "--request-ttl", paramLabel = "BLOCKS", defaultValue = "256", description = "How long a join request can be onboarded.")
        long requestTtl;

        @Override
        public Integer call() throws Exception {
            try (JsonRpcClient rpc = chain.client()) {
                TransactionSender s = sender(rpc);
                ClusterContract c = ClusterContract.deploy(s, s.from(), policyDelay, maxAnchorAge, requestTtl);
                spec.commandLine().getOut().println(c.address().toLowerHex());
                return 0;
            }
        }
    }

    @Command(name = "operator", mixinStandardHelpOptions = true, description = "Allows (or with --revoke, disallows) a host's gas key to submit requests.")
    static final class Operator extends OnContract implements Callable<Integer> {
        @Parameters(paramLabel = "ADDRESS", description = "The operator's address.")
        String operator;

        @Option(names = "--revoke", description = "Disallow instead.")
        boolean revoke;

        @Override
        public Integer call() throws Exception {
            try (JsonRpcClient rpc = chain.client()) {
                contract().writes(sender(rpc)).setOperator(ChainOptions.address(spec.commandLine(), "ADDRESS", operator), !revoke);
                return 0;
            }
        }
    }

    /** A policy entry, given as KIND VALUE or computed from a CVM's agent. */
    static class PolicyArgs {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KIND",
                description = "measurement, compose-hash, launcher-compose-hash, tcb-status, dcap-root or image.")
        String kind;

        @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
                description = "0x + 32 bytes; for tcb-status a status name such as UpToDate.")
        String value;

        @Option(names = "--from-agent", paramLabel = "SOCKET",
                description = "Compute measurement, compose-hash and launcher-compose-hash from a reference CVM's agent (its Info).")
        Path agent;

        @Option(names = "--dcap-root-cert", paramLabel = "PEM", description = "Also the DCAP root of this certificate (Intel's, or a simulator's --write-test-root).")
        Path root;

        @Option(names = "--tcb-status", paramLabel = "STATUS", description = "Also this TCB status (e.g. UpToDate).")
        List<String> tcbStatus = new ArrayList<>();

        List<Map.Entry<PolicyKind, byte[]>> entries(CommandLine cl) throws Exception {
            List<Map.Entry<PolicyKind, byte[]>> out = new ArrayList<>();
            if (kind != null) {
                PolicyKind k;
                try {
                    k = PolicyKind.parse(kind);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cl, e.getMessage());
                }
                if (value == null) throw new CommandLine.ParameterException(cl, "KIND " + kind + " needs a VALUE");
                byte[] v;
                if (k == PolicyKind.TCB_STATUS && !value.startsWith("0x")) {
                    v = PolicyValues.tcbStatus(value);
                } else {
                    try {
                        v = Hex.decode(value, 32, "VALUE");
                    } catch (IllegalArgumentException e) {
                        throw new CommandLine.ParameterException(cl, e.getMessage());
                    }
                }
                out.add(Map.entry(k, v));
            }
            if (agent != null) out.addAll(fromAgent(agent));
            if (root != null) {
                X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(root)));
                out.add(Map.entry(PolicyKind.DCAP_ROOT, PolicyValues.dcapRoot(c)));
            }
            for (String s : tcbStatus) out.add(Map.entry(PolicyKind.TCB_STATUS, PolicyValues.tcbStatus(s)));
            if (out.isEmpty()) throw new CommandLine.ParameterException(cl, "nothing to do: give KIND VALUE, --from-agent, --dcap-root-cert or --tcb-status");
            return out;
        }

        private static List<Map.Entry<PolicyKind, byte[]>> fromAgent(Path socket) throws Exception {
            try (DstackClient c = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).timeout(Duration.ofSeconds(10)).build()) {
                TcbInfo t = c.info().tcbInfo();
                HexFormat h = HexFormat.of();
                EventLogEntry kp = t.eventLog().stream().filter(e -> e.imr() == 3 && e.event().equals("key-provider")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("the agent's event log has no key-provider event"));
                List<Map.Entry<PolicyKind, byte[]>> out = new ArrayList<>();
                out.add(Map.entry(PolicyKind.MEASUREMENT, PolicyValues.measurement(h.parseHex(t.mrtd()), h.parseHex(t.rtmr0()),
                        h.parseHex(t.rtmr1()), h.parseHex(t.rtmr2()), h.parseHex(kp.digest()))));
                out.add(Map.entry(PolicyKind.COMPOSE_HASH, PolicyValues.sha256(t.appCompose())));
                JsonNode compose = new ObjectMapper().readTree(t.appCompose());
                if (compose.path("docker_compose_file").isTextual()) {
                    out.add(Map.entry(PolicyKind.LAUNCHER_COMPOSE_HASH, PolicyValues.sha256(compose.get("docker_compose_file").asText())));
                }
                return out;
            }
        }
    }

    @Command(name = "allow", mixinStandardHelpOptions = true,
            description = {"Proposes policy additions (applicable after the contract's policy delay; see 'gov apply').",
                "With --apply, applies them at once too (works when the delay is 0)."})
    static final class Allow extends OnContract implements Callable<Integer> {
        @Mixin
        PolicyArgs policy;

        @Option(names = "--apply", description = "Apply right after proposing.")
        boolean apply;

        @Override
        public Integer call() throws Exception {
            // a value already allowed is skipped (the contract refuses to propose it again), so a reference CVM's
            // values can be allowed after some of them were, e.g. the genesis's before the joiners'
            try (JsonRpcClient rpc = chain.client()) {
                ClusterContract c = contract();
                var w = c.writes(sender(rpc));
                for (var e : policy.entries(spec.commandLine())) {
                    var now = c.reads(org.dstack4j.chain.rpc.ChainView.pin(rpc, 0));
                    String what = e.getKey().cliName() + " " + Hex.data(e.getValue());
                    if (now.isAllowed(e.getKey(), e.getValue())) {
                        spec.commandLine().getOut().println("already allowed " + what);
                        continue;
                    }
                    if (now.policyEta(e.getKey(), e.getValue()) == 0) w.proposePolicy(e.getKey(), e.getValue());
                    if (apply) w.applyPolicy(e.getKey(), e.getValue());
                    spec.commandLine().getOut().println((apply ? "allowed " : "proposed ") + what);
                }
                return 0;
            }
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true, description = "Applies proposed policy additions whose time lock has passed (anyone may).")
    static final class Apply extends OnContract implements Callable<Integer> {
        @Mixin
        PolicyArgs policy;

        @Override
        public Integer call() throws Exception {
            return eachPolicy(policy, "allowed", (w, k, v) -> w.applyPolicy(k, v));
        }
    }

    @Command(name = "disallow", mixinStandardHelpOptions = true, description = "Removes policy values at once (also cancels proposals).")
    static final class Disallow extends OnContract implements Callable<Integer> {
        @Mixin
        PolicyArgs policy;

        @Override
        public Integer call() throws Exception {
            return eachPolicy(policy, "removed", (w, k, v) -> w.removePolicy(k, v));
        }
    }

    @Command(name = "audit-genesis", mixinStandardHelpOptions = true,
            description = {"Re-checks a genesis record from chain data alone (needs no key; run it before 'gov bootstrap', anyone may "
                    + "after): the member's evidence checks on the GenesisSubmitted evidence (DCAP at the submission block's time, the "
                    + "policy at the bootstrap block or now, the cluster keys bound in the report data, a pin of this chain and "
                    + "contract with no keys), and once bootstrapped, that the Bootstrapped node and the contract's clusterSigner and "
                    + "clusterEncKey are the record's.",
                "",
                "Exit codes: 0 bootstrapped and every check passes; 3 not bootstrapped and a check fails (do not bootstrap it); "
                    + "4 bootstrapped but a check fails (DISAGREES); 5 not bootstrapped and every check passes (ready for bootstrap); "
                    + "6 a check could not run (no collateral, or collateral that does not verify at that time); 1 a read failed; 2 bad usage.",
                ""})
    static final class AuditGenesis implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        AuditOptions audit;

        @Option(names = "--genesis-id", paramLabel = "ID", description = "The genesis to audit. Default: the bootstrapped one, else the latest submitted.")
        BigInteger genesisId;

        @Override
        public Integer call() throws Exception {
            CommandLine cl = spec.commandLine();
            if (genesisId != null) AuditOptions.positive(cl, "--genesis-id", genesisId);
            try (JsonRpcClient rpc = audit.chain.client()) {
                AuditOptions.Chain c = audit.read(cl, rpc);
                return audit.print(cl, new org.dstack4j.cluster.audit.GenesisAudit(c.cluster(), c.view(), c.history(), c.collateral(),
                        c.allowTestRoot()).audit(java.util.Optional.ofNullable(genesisId)));
            } catch (org.dstack4j.cluster.audit.AuditException e) {
                cl.getErr().println("dstack4j: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "bootstrap", mixinStandardHelpOptions = true,
            description = "Makes a submitted genesis the cluster (once). Audit it first: 'gov audit-genesis' must exit 5 (every check passes).")
    static final class Bootstrap extends OnContract implements Callable<Integer> {
        @Option(names = "--genesis-id", paramLabel = "ID", required = true, description = "The genesis id (GenesisSubmitted).")
        BigInteger genesisId;

        @Override
        public Integer call() throws Exception {
            try (JsonRpcClient rpc = chain.client()) {
                ClusterContract c = contract();
                Address node = c.reads(org.dstack4j.chain.rpc.ChainView.pin(rpc, 0)).genesis(genesisId).node();
                c.writes(sender(rpc)).bootstrap(genesisId, node);
                spec.commandLine().getOut().println("bootstrapped genesis " + genesisId + " (node " + node.toLowerHex() + ")");
                return 0;
            } catch (ClusterContractException e) {
                spec.commandLine().getErr().println("dstack4j: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "remove-member", mixinStandardHelpOptions = true, description = "Removes a member (its later requests are refused).")
    static final class RemoveMember extends OnContract implements Callable<Integer> {
        @Parameters(paramLabel = "NODE", description = "The member's node address.")
        String node;

        @Override
        public Integer call() throws Exception {
            try (JsonRpcClient rpc = chain.client()) {
                contract().writes(sender(rpc)).removeMember(ChainOptions.address(spec.commandLine(), "NODE", node));
                return 0;
            }
        }
    }
}
