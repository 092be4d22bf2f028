package org.dstack4j.cli.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dstack4j cluster}: the governor's tools, the host relay, the node daemon and a status view. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {
            "A secret shared only with attested CVMs, governed by a contract on an EVM chain (docs/cluster.md).",
            "",
            "The flow (each command's --help has the details):",
            "  1. governor: gov deploy --rpc URL --key-file GOV           (prints the contract address)",
            "               gov operator --contract ADDR OPERATOR_ADDRESS  (allow a host's gas key)",
            "               gov allow --from-agent SOCK --dcap-root-cert PEM --tcb-status UpToDate",
            "               gov apply ...                                  (after the policy delay)",
            "  2. each host: host --socket R --rpc URL --contract ADDR --key-file OP [--collateral F|--pccs URL]",
            "                [--tunnel RPC_URL ...]   (each endpoint the CVMs' compose pins in dstack4j_cluster.rpc)",
            "  3. first CVM: node --agent-socket A --relay-socket R --contract ADDR --genesis",
            "                (reads the pinned RPC endpoints through the relay; a devnet without the pin: --rpc URL)",
            "     governor: gov audit-genesis --rpc URL --contract ADDR --collateral F   (exit 5: ready to bootstrap)",
            "               gov bootstrap --genesis-id 1",
            "  4. other CVMs: node ... (no --genesis): a member checks the quote and answers on chain",
            "  5. anyone: status --rpc URL --contract ADDR [--output json]      (members, requests, refusals, policy)",
            "             audit-join REQUEST_ID --rpc URL --contract ADDR --collateral F   (re-run a member's checks)",
            "  6. a client: check-tls https://DOMAIN/ --collateral F     (the TLS key is held by an attested TD)",
            "  7. each CVM, beside the launcher: images watch --rpc URL --contract ADDR --relay-socket R   (KubernEthes)",
            "All commands are 'dstack4j cluster ...'; keys come from files or the environment, never flags."
        },
        subcommands = {GovCommand.class, HostCommand.class, NodeCommand.class, StatusCommand.class, AuditJoinCommand.class,
            CheckTlsCommand.class, ImagesCommand.class, CommandLine.HelpCommand.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
