package org.dstack4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code dstack4j} command. */
@Command(
        name = "dstack4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "The trusted code around an MPC node in an Intel TDX confidential VM managed by dstack:",
            "launch the node from an approved image digest recorded in RTMR3, run a dstack-compatible",
            "guest agent (with a simulator), verify attestations, and compute what a CVM will measure",
            "(MRTD, RTMR0-2, os_image_hash, compose-hash) from the operator's files."
        },
        footer = {
            "",
            "Examples:",
            "  dstack4j launch --dry-run --output json --platform NONTEE --user-config ./user_config",
            "  dstack4j agent --simulator --socket /tmp/dstack.sock --state-dir /tmp/agent",
            "  dstack4j quote --dstack-socket /tmp/dstack.sock",
            "  dstack4j cluster --help          (a secret shared by attested CVMs, governed on chain)",
            "  dstack4j verify --public-data public_data.json --allowed-image-hashes image-digest.bin \\",
            "      --allowed-launcher-compose-hashes launchers.txt",
            "  dstack4j measure --metadata img/metadata.json --cpus 8 --memory 64G --qemu-version 8.2.2 \\",
            "      --acpi-profile mpc-8vcpu-64g-qemu-8.2.2",
            "  dstack4j image verify img --release 0.5.8",
            "  dstack4j app-compose normalize app-compose.json --check",
            "  dstack4j contract allowed-images --near-rpc https://rpc.mainnet.near.org --contract v1.signer",
            "  dstack4j watch-approved --near-rpc URL --contract v1.signer --file /mnt/shared/image-digest.bin",
            "  dstack4j cvm ls --vmm-url http://127.0.0.1:8080",
            "",
            "Run 'dstack4j help <command>' for a command's options."
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Every subcommand, in the order {@code --help} lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("launch", LaunchCommand::new);
        m.put("agent", AgentCommand::new);
        m.put("quote", QuoteCommand::new);
        m.put("verify", VerifyCommand::new);
        m.put("app-compose", AppComposeCommand::new);
        m.put("compose", ComposeCommand::new);
        m.put("image", ImageCommand::new);
        m.put("measure", MeasureCommand::new);
        m.put("cluster", org.dstack4j.cli.cluster.ClusterCommand::new);
        m.put("contract", org.dstack4j.cli.near.ContractCommand::new);
        m.put("watch-approved", org.dstack4j.cli.near.WatchApprovedCommand::new);
        m.put("cvm", org.dstack4j.cli.vmm.CvmCommand::new);
        m.put("node", org.dstack4j.cli.near.NodeStatusCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return m;
    }

    public static void main(String[] args) {
        System.exit(commandLine(args.length > 0 ? args[0] : null).execute(args));
    }

    /** The configured command line with every subcommand; tests run commands through it in-process. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line with only {@code first}'s subcommand when it names one (picocli builds the model of every
     * registered subcommand up front; a launch at boot should not load the cluster and measure tools), else all.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new Main());
        if (first != null && SUBCOMMANDS.containsKey(first) && !first.equals("help")) {
            cl.addSubcommand(first, SUBCOMMANDS.get(first).get());
        } else {
            SUBCOMMANDS.forEach((name, make) -> cl.addSubcommand(name, make.get()));
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(100);
        // cluster commands report chain, relay and contract refusals as one line (the message names the input), not a trace
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (!cmd.getCommand().getClass().getPackageName().equals("org.dstack4j.cli.cluster")) throw ex;
            cmd.getErr().println("dstack4j: " + ex.getMessage());
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
