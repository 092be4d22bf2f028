package org.dstack4j.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.dstack4j.cluster.audit.AuditReport;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinOutcome;

/** The JSON and one-line forms of an {@link AuditReport} (public values only). */
final class AuditJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditJson() {}

    static ObjectNode of(AuditReport r) {
        ObjectNode o = JSON.createObjectNode().put(r.subject(), r.id().toString()).put("node", r.node().toLowerHex())
                .put("block", r.block()).put("policy_block", r.policyBlock()).put("dcap_time", r.evaluatedAt().toString())
                .put("allow_test_root", r.allowTestRoot()).put("allow_test_root_from", r.allowTestRootFrom());
        var checks = o.putArray("checks");
        for (AuditReport.CheckResult c : r.checks()) {
            ObjectNode x = checks.addObject();
            if (c.number() != 0) x.put("number", c.number());
            x.put("name", c.name()).put("result", c.result().name().toLowerCase(Locale.ROOT).replace('_', '-')).put("detail", c.detail());
        }
        ObjectNode a = o.putObject("audit");
        switch (r.audited()) {
            case JoinOutcome.Passed p -> a.put("outcome", "passed");
            case JoinOutcome.Failed f -> a.put("outcome", "refused").put("check", f.check().checkName()).put("check_number", f.check().number());
            case JoinOutcome.Undecided u -> a.put("outcome", "undecided").put("check", u.check().checkName()).put("check_number", u.check().number());
        }
        ObjectNode c = o.putObject("chain");
        switch (r.onChain()) {
            case AuditReport.ChainOutcome.Onboarded x -> c.put("outcome", "onboarded").put("block", x.block());
            case AuditReport.ChainOutcome.Rejected x -> c.put("outcome", "rejected").put("check", checkName(x.check())).put("check_number", x.check())
                    .put("block", x.block());
            case AuditReport.ChainOutcome.Pending x -> c.put("outcome", "pending");
            case AuditReport.ChainOutcome.Bootstrapped x -> c.put("outcome", "bootstrapped").put("block", x.block());
            case AuditReport.ChainOutcome.NotBootstrapped x -> {
                c.put("outcome", "not-bootstrapped");
                x.other().ifPresent(g -> c.put("bootstrapped_genesis", g.toString()));
            }
        }
        var notes = o.putArray("notes");
        r.notes().forEach(notes::add);
        return o.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-')).put("exit", r.verdict().exitCode());
    }

    static String audited(JoinOutcome o) {
        return switch (o) {
            case JoinOutcome.Passed p -> "passed (every check)";
            case JoinOutcome.Failed f -> "refused with " + f.check().checkName() + " (" + f.check().number() + ")";
            case JoinOutcome.Undecided u -> "undecided at " + u.check().checkName() + ": " + u.reason();
        };
    }

    static String onChain(AuditReport.ChainOutcome o) {
        return switch (o) {
            case AuditReport.ChainOutcome.Onboarded x -> "onboarded at block " + x.block();
            case AuditReport.ChainOutcome.Rejected x -> "rejected with " + checkName(x.check()) + " (" + x.check() + ") at block " + x.block();
            case AuditReport.ChainOutcome.Pending x -> "pending (no answer yet)";
            case AuditReport.ChainOutcome.Bootstrapped x -> "bootstrapped at block " + x.block();
            case AuditReport.ChainOutcome.NotBootstrapped x -> "not bootstrapped" + x.other().map(g -> " (genesis " + g + " was)").orElse("");
        };
    }

    static String checkName(int n) {
        return JoinCheck.ofNumber(n).map(JoinCheck::checkName).orElse("unknown");
    }
}
