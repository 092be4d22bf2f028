package org.dstack4j.cli.cluster;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.attestation.dcap.PccsException;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.cluster.audit.AuditReport;
import org.dstack4j.cluster.audit.ClusterHistory;
import org.dstack4j.cluster.binding.ClusterRef;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.join.CollateralSource;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of {@code cluster audit-join} and {@code cluster gov audit-genesis}, and what they read. */
final class AuditOptions {
    @Mixin
    ChainOptions chain;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
    String contract;

    @Option(names = "--collateral", paramLabel = "FILE",
            description = "DCAP collateral (dcap-qvl JSON) valid at the request's time: none is on chain, so the auditor brings it "
                + "(e.g. the file the host relay served; a simulator's --write-collateral).")
    Path collateral;

    @Option(names = "--pccs", paramLabel = "URL", description = "Fetch collateral from this PCCS (or Intel's PCS); it serves today's, valid for recent requests.")
    URI pccs;

    @Option(names = "--allow-test-root", paramLabel = "true|false", arity = "1",
            description = "The member setting for check dcap-root (may a quote chain to a non-Intel root the policy allows?). "
                + "Default: the genesis node's app-compose setting (\"allow_test_root\").")
    Boolean allowTestRoot;

    @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "0", description = "Read at head minus this many blocks (default ${DEFAULT-VALUE}).")
    int confirmations;

    @Option(names = "--from-block", paramLabel = "BLOCK", defaultValue = "0",
            description = "First block to read events from: the contract's deployment block on a long chain (default ${DEFAULT-VALUE}).")
    long fromBlock;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text (one line per check) or json (one object).")
    String output;

    /** Everything an audit reads, at one pinned block. */
    record Chain(ClusterRef cluster, ChainView view, ClusterHistory history, CollateralSource collateral, Optional<Boolean> allowTestRoot) {}

    Chain read(CommandLine cl, JsonRpcClient rpc) throws RpcException {
        if (!output.equals("text") && !output.equals("json")) throw new CommandLine.ParameterException(cl, "--output is text or json");
        if (collateral != null && pccs != null) throw new CommandLine.ParameterException(cl, "give one of --collateral, --pccs");
        if (fromBlock < 0) throw new CommandLine.ParameterException(cl, "--from-block must be >= 0");
        CollateralSource source = collateralSource(cl);
        ClusterRef ref = new ClusterRef(rpc.chainId().longValueExact(), ChainOptions.address(cl, "--contract", contract));
        ChainView v = ChainView.pin(rpc, confirmations);
        return new Chain(ref, v, ClusterHistory.read(new ClusterContract(ref.contract()), v, fromBlock), source, Optional.ofNullable(allowTestRoot));
    }

    private CollateralSource collateralSource(CommandLine cl) {
        if (collateral != null) {
            Collateral c;
            try {
                if (Files.size(collateral) > CollateralJson.MAX_BYTES) throw new CommandLine.ParameterException(cl, "--collateral " + collateral + " is over 4 MiB");
                c = CollateralJson.parse(Files.readAllBytes(collateral));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CommandLine.ParameterException(cl, "--collateral " + collateral + " does not exist");
            } catch (java.io.IOException | CollateralFormatException e) {
                throw new CommandLine.ParameterException(cl, "--collateral " + collateral + ": " + e.getMessage() + " (give dcap-qvl collateral JSON)");
            }
            return quote -> c;
        }
        if (pccs != null) {
            PccsClient client = PccsClient.of(pccs);
            return quote -> {
                try {
                    return client.fetch(quote);
                } catch (PccsException e) {
                    throw new CollateralSource.CollateralUnavailableException("PCCS " + pccs + ": " + e.getMessage(), e);
                }
            };
        }
        return quote -> {
            throw new CollateralSource.CollateralUnavailableException("no --collateral FILE or --pccs URL given", null);
        };
    }

    /** Prints the report and returns its exit code. */
    int print(CommandLine cl, AuditReport r) {
        var out = cl.getOut();
        if (output.equals("json")) {
            out.println(AuditJson.of(r).toString());
        } else {
            out.println(r.subject() + " " + r.id() + " of node " + r.node().toLowerHex() + " (block " + r.block() + "): policy at block "
                    + r.policyBlock() + ", DCAP at " + r.evaluatedAt() + ", test roots " + (r.allowTestRoot() ? "allowed" : "refused")
                    + " (" + r.allowTestRootFrom() + ")");
            for (AuditReport.CheckResult c : r.checks()) {
                String n = c.number() == 0 ? "  " : String.format("%2d", c.number());
                out.printf("  %-9s %s %-17s %s%n", c.result().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), n, c.name(), org.dstack4j.sdk.TerminalText.escape(c.detail()));
            }
            out.println("audit:   " + AuditJson.audited(r.audited()));
            out.println("chain:   " + AuditJson.onChain(r.onChain()));
            r.notes().forEach(n -> out.println("note:    " + org.dstack4j.sdk.TerminalText.escape(n)));
            out.println("verdict: " + r.verdict().text() + " (exit " + r.verdict().exitCode() + ")");
        }
        out.flush();
        return r.verdict().exitCode();
    }

    static BigInteger positive(CommandLine cl, String name, BigInteger id) {
        if (id.signum() <= 0) throw new CommandLine.ParameterException(cl, name + " must be a positive id, got " + id);
        return id;
    }
}
