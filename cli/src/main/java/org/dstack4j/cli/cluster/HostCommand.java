package org.dstack4j.cli.cluster;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.relay.HostRelay;
import org.dstack4j.cluster.relay.RebootForwarder;
import org.dstack4j.cluster.relay.RelayServer;
import org.dstack4j.cli.vmm.VmmOptions;
import org.dstack4j.vmm.VmmClient;
import org.dstack4j.vmm.VmmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dstack4j cluster host}: the untrusted host relay of one CVM. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = {"Runs the host relay: the node's only link out, on a unix socket. It submits the node's contract calls",
            "(requestJoin, submitGenesis, onboard, reject) from the operator's gas key and fetches DCAP collateral.",
            "It can refuse or delay; what it could alter is bound by the quote and the cluster signer. Stops on SIGTERM.",
            "",
            "Reboot requests (KubernEthes: 'cluster images watch' in the CVM asks when a newer image is",
            "approved) are logged; with --vmm-url and --vm-id they become a restart of that CVM through",
            "dstack-vmm (ShutdownVm, StopVm after --shutdown-grace, StartVm), at most one per",
            "--reboot-min-interval. VMM credentials: $DSTACK_VMM_TOKEN, or $DSTACK_VMM_AUTH_USER and",
            "$DSTACK_VMM_AUTH_PASSWORD. The CVM does not rely on this: the launcher re-checks the approved",
            "images at every boot.",
            "",
            "With --tunnel it also opens byte tunnels (HTTP CONNECT on the same socket) to the RPC",
            "endpoints the node's app-compose pins (dstack4j_cluster.rpc): the node reads the chain",
            "through them with TLS ended inside the CVM, so the relay carries ciphertext and can only",
            "refuse or delay reads. Give each pinned endpoint once."})
public final class HostCommand implements Callable<Integer> {
    static final String KEY_ENV = "DSTACK4J_OPERATOR_KEY";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ChainOptions chain;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Unix socket to serve (mode 0660).")
    Path socket;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
    String contract;

    @Option(names = "--key-file", paramLabel = "FILE", description = "Operator's gas key (hex). Default: $" + KEY_ENV + ".")
    Path keyFile;

    @Option(names = "--collateral", paramLabel = "FILE", description = "Serve this DCAP collateral (dcap-qvl JSON) to the node.")
    Path collateral;

    @Option(names = "--pccs", paramLabel = "URL", description = "Fetch collateral from this PCCS (or Intel's PCS).")
    URI pccs;

    @Option(names = "--tunnel", paramLabel = "URL|HOST:PORT",
            description = "An RPC endpoint the node may open a tunnel to (repeat per pinned endpoint; an URL stands for its host:port). "
                    + "Without it the relay refuses every CONNECT.")
    java.util.List<String> tunnels = java.util.List.of();

    @Option(names = "--receipt-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "How long a submit waits for its receipt.")
    int receiptTimeout;

    @Option(names = "--vmm-url", paramLabel = "URL", description = "dstack-vmm's API, to restart the CVM when its node asks (with --vm-id).")
    URI vmmUrl;

    @Option(names = "--vm-id", paramLabel = "ID", description = "The VMM's id of the CVM this relay serves ('dstack4j cvm ls').")
    String vmId;

    @Option(names = "--reboot-min-interval", paramLabel = "SECONDS", defaultValue = "600",
            description = "At least this long between two forwarded restarts; requests in between are refused. Default: ${DEFAULT-VALUE}")
    long rebootMinInterval;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long the guest may take to power off before a hard stop. Default: ${DEFAULT-VALUE}")
    long shutdownGrace;

    @Option(names = "--vmm-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Deadline of one VMM call. Default: ${DEFAULT-VALUE}")
    long vmmTimeout;

    @Override
    public Integer call() throws Exception {
        if (collateral != null && pccs != null) throw new CommandLine.ParameterException(spec.commandLine(), "give one of --collateral, --pccs");
        Optional<RebootForwarder> reboots = reboots();
        JsonRpcClient rpc = chain.client();
        TransactionSender sender = chain.sender(rpc, ChainOptions.key(spec.commandLine(), keyFile, KEY_ENV), receiptTimeout);
        ClusterContract c = new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
        HostRelay relay = collateral != null ? HostRelay.withCollateralFile(c, sender, collateral)
                : pccs != null ? HostRelay.withPccs(c, sender, PccsClient.of(pccs)) : HostRelay.withoutCollateral(c, sender);
        if (reboots.isPresent()) relay = relay.withReboots(reboots.get());
                java.util.Set<String> targets = new java.util.LinkedHashSet<>();
        for (String t : tunnels) {
            try {
                targets.add(t.contains("://") ? RelayServer.tunnelTarget(URI.create(t)) : t);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tunnel " + t + ": give an http(s) URL or host:port (" + e.getMessage() + ")");
            }
        }
        RelayServer server;
        try {
            server = RelayServer.start(socket, relay, Duration.ofSeconds(receiptTimeout + 30L), targets);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tunnel: " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            rpc.close();
            reboots.ifPresent(RebootForwarder::close);
        }));
        spec.commandLine().getErr().println("dstack4j cluster host: relaying for " + sender.from().toLowerHex() + " on " + server.socket()
                + (targets.isEmpty() ? "" : ", tunnels to " + targets));
        server.join();
        return 0;
    }

    /** A restart of one VM through the VMM ({@link VmmClient#restart}), saying how it was stopped. */
    public static RebootForwarder.Target vmmRestart(VmmClient vmm, String vmId, Duration grace, Duration poll) {
        return () -> "VM " + vmId + " restarted (" + vmm.restart(vmId, grace, poll).name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")";
    }

    /** The VMM restart behind reboot requests, when --vmm-url and --vm-id are given; checks the VM exists now. */
    private Optional<RebootForwarder> reboots() {
        CommandLine cl = spec.commandLine();
        if ((vmmUrl == null) != (vmId == null)) throw new CommandLine.ParameterException(cl, "give --vmm-url and --vm-id together (or neither)");
        if (vmmUrl == null) return Optional.empty();
        if (rebootMinInterval < 0 || shutdownGrace < 1 || vmmTimeout < 1 || vmmTimeout > 3600) {
            throw new CommandLine.ParameterException(cl, "--reboot-min-interval must be >= 0, --shutdown-grace >= 1, --vmm-timeout 1..3600 seconds");
        }
        VmmClient vmm;
        try {
            vmm = new VmmClient(vmmUrl, VmmOptions.authFromEnvironment(), Duration.ofSeconds(vmmTimeout));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        try {
            vmm.require(vmId);
        } catch (VmmException e) {
            vmm.close();
            throw new CommandLine.ParameterException(cl, "--vm-id " + vmId + ": " + e.getMessage());
        }
        String name = "VM " + vmId + " on " + vmm.vmm();
        PrintWriter err = cl.getErr();
        return Optional.of(new RebootForwarder(vmmRestart(vmm, vmId, Duration.ofSeconds(shutdownGrace), Duration.ofSeconds(2)), name,
                Duration.ofSeconds(rebootMinInterval), System::nanoTime, line -> {
                    synchronized (err) {
                        err.println("dstack4j relay: " + line);
                        err.flush();
                    }
                }));
    }
}
