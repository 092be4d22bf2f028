package org.dstack4j.cli.cluster;

import java.math.BigInteger;
import java.util.concurrent.Callable;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.audit.AuditException;
import org.dstack4j.cluster.audit.JoinAudit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code dstack4j cluster audit-join}: anyone re-runs a member's checks on a join request. */
@Command(name = "audit-join", mixinStandardHelpOptions = true,
        description = {"Re-runs a member's 14 join checks on request REQUEST_ID from chain data alone and says whether the chain's "
                + "outcome agrees. The evidence comes from the JoinRequested event; the policy is rebuilt from the contract's events "
                + "as it was at the request block (a later change does not alter the audit); DCAP is evaluated at the request "
                + "block's time with the collateral you give. Find request ids with 'cluster status'.",
            "",
            "Exit codes: 0 onboarded and every check passes; 3 rejected with the check the audit fails; 4 the chain's outcome "
                + "DISAGREES with the audit; 5 no answer yet (the audit's outcome is printed); 6 a check could not run (no "
                + "collateral, or collateral that does not verify at the request's time); 1 a read failed or the request is unknown; 2 bad usage.",
            ""})
public final class AuditJoinCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "REQUEST_ID", description = "The join request (JoinRequested id, from 1).")
    BigInteger requestId;

    @Mixin
    AuditOptions audit;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        AuditOptions.positive(cl, "REQUEST_ID", requestId);
        try (JsonRpcClient rpc = audit.chain.client()) {
            AuditOptions.Chain c = audit.read(cl, rpc);
            return audit.print(cl, new JoinAudit(c.cluster(), c.view(), c.history(), c.collateral(), c.allowTestRoot()).audit(requestId));
        } catch (AuditException e) {
            cl.getErr().println("dstack4j: " + e.getMessage());
            return 1;
        }
    }
}
