package org.dstack4j.cluster.relay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.PccsClient;
import org.dstack4j.attestation.dcap.PccsException;
import org.dstack4j.chain.rpc.Receipt;
import org.dstack4j.chain.tx.TransactionSender;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterContractException;

/**
 * The honest relay: sends the node's calls to one contract with the operator's {@link TransactionSender}, and serves
 * collateral from a PCCS or from one collateral file read at start (a test PKI's, or a cached one). A node's reboot
 * request is logged, and with {@link #withReboots} forwarded to a {@link RebootForwarder} (the VMM, rate limited).
 */
public final class HostRelay implements Relay {
    private final ClusterContract contract;
    private final TransactionSender sender;
    private final Optional<PccsClient> pccs;
    private final Optional<Collateral> fixed;
    private final Optional<RebootForwarder> reboots;

    private HostRelay(ClusterContract contract, TransactionSender sender, Optional<PccsClient> pccs, Optional<Collateral> fixed,
            Optional<RebootForwarder> reboots) {
        this.contract = Objects.requireNonNull(contract, "contract");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.pccs = pccs;
        this.fixed = fixed;
        this.reboots = reboots;
    }

    private HostRelay(ClusterContract contract, TransactionSender sender, Optional<PccsClient> pccs, Optional<Collateral> fixed) {
        this(contract, sender, pccs, fixed, Optional.empty());
    }

    /** The same relay, forwarding the node's reboot requests (rate limited) to {@code forwarder}. */
    public HostRelay withReboots(RebootForwarder forwarder) {
        return new HostRelay(contract, sender, pccs, fixed, Optional.of(forwarder));
    }

    /** Collateral from a PCCS (or Intel's PCS). */
    public static HostRelay withPccs(ClusterContract contract, TransactionSender sender, PccsClient pccs) {
        return new HostRelay(contract, sender, Optional.of(pccs), Optional.empty());
    }

    /**
     * Collateral from a file (dcap-qvl QuoteCollateralV3 JSON), read once.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or parsed
     */
    public static HostRelay withCollateralFile(ClusterContract contract, TransactionSender sender, Path file) {
        try {
            if (Files.size(file) > CollateralJson.MAX_BYTES) throw new IllegalArgumentException("collateral file " + file + " is over 4 MiB");
            return new HostRelay(contract, sender, Optional.empty(), Optional.of(CollateralJson.parse(Files.readAllBytes(file))));
        } catch (java.io.IOException | CollateralFormatException e) {
            throw new IllegalArgumentException("cannot read the collateral file " + file + ": " + e.getMessage()
                    + " (give dcap-qvl collateral JSON, e.g. from 'dstack4j agent --simulator --write-collateral FILE')", e);
        }
    }

    /** No collateral at all (members relayed by this host decide nothing on DCAP). */
    public static HostRelay withoutCollateral(ClusterContract contract, TransactionSender sender) {
        return new HostRelay(contract, sender, Optional.empty(), Optional.empty());
    }

    @Override
    public Submitted submit(ContractCall call) throws RelayException {
        try {
            Receipt r = contract.writes(sender).sendCalldata(call.calldata(contract));
            return new Submitted(r.transactionHash(), r.blockNumber());
        } catch (ClusterContractException e) {
            throw new RelayException(call.function() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void requestReboot(String reason) throws RelayException {
        // the host's side of KubernEthes: one line for the operator; the text comes from the CVM, so it is cut to
        // printable ASCII. With a forwarder the VMM restarts the CVM (rate limited); without one nothing else happens.
        String line = RebootForwarder.printable(reason);
        System.err.println("dstack4j relay: the node asks for a reboot: " + line
                + (reboots.isPresent() ? "" : " (not forwarded: start 'cluster host' with --vmm-url and --vm-id)"));
        if (reboots.isPresent()) reboots.get().request(line);
    }

    @Override
    public Collateral collateral(byte[] quote) throws RelayException {
        if (fixed.isPresent()) return fixed.get();
        if (pccs.isEmpty()) throw new RelayException("this relay was started without a collateral source", null);
        try {
            return pccs.get().fetch(quote);
        } catch (PccsException e) {
            throw new RelayException("PCCS: " + e.getMessage(), e);
        }
    }
}
