package org.dstack4j.cluster.contract;

import com.esaulpaugh.headlong.abi.ContractError;
import com.esaulpaugh.headlong.abi.Event;
import com.esaulpaugh.headlong.abi.Tuple;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.Log;
import org.dstack4j.chain.rpc.LogFilter;
import org.dstack4j.chain.rpc.Receipt;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;
import org.dstack4j.chain.tx.TransactionFailedException;
import org.dstack4j.chain.tx.TransactionSender;

/**
 * The typed binding of one deployed DstackCluster: calldata for every function, decoding of its events
 * and custom errors, reads at a confirmed view ({@link #reads}) and transactions ({@link #writes}, host
 * tools only). Pure apart from the view/sender passed in; thread-safe.
 */
public final class ClusterContract {
    private final Address address;
    private final ContractArtifact artifact;

    /** The binding of the contract at {@code address}. */
    public ClusterContract(Address address) {
        this.address = address;
        this.artifact = ContractArtifact.load();
    }

    /** The contract's address. */
    public Address address() {
        return address;
    }

    /** The compiled artifact this binding encodes for. */
    public ContractArtifact artifact() {
        return artifact;
    }

    /**
     * Deploys a new cluster contract from the artifact and checks the code on chain equals its runtime code.
     *
     * @param governor the first governor
     * @param policyDelay seconds between proposing and applying a policy addition
     * @param maxAnchorAge blocks an anchor may lie behind a request (1..256)
     * @param requestTtl blocks a request stays answerable
     */
    public static ClusterContract deploy(TransactionSender sender, Address governor, long policyDelay, long maxAnchorAge,
                                         long requestTtl) throws ClusterContractException {
        ContractArtifact a = ContractArtifact.load();
        byte[] args = Abi.encode("(address,uint64,uint64,uint64)", Abi.headlong(governor),
                BigInteger.valueOf(policyDelay), BigInteger.valueOf(maxAnchorAge), BigInteger.valueOf(requestTtl));
        byte[] init = a.bytecode();
        byte[] data = Arrays.copyOf(init, init.length + args.length);
        System.arraycopy(args, 0, data, init.length, args.length);
        Receipt r = transact(sender, "constructor", Optional.empty(), data);
        Address at = r.contractAddress().orElseThrow(() -> new ClusterContractException("the deployment receipt names no contract", null, null));
        try {
            byte[] code = org.dstack4j.chain.Hex.decode(sender.rpc().call("eth_getCode", at.toLowerHex(), "latest").asText());
            if (!a.matchesRuntimeCode(code)) {
                throw new ClusterContractException("the code at " + at + " differs from the artifact's runtime code", null, null);
            }
        } catch (RpcException e) {
            throw new ClusterContractException("cannot read back the deployed code: " + e.getMessage(), null, e);
        }
        return new ClusterContract(at);
    }

    /** Reads at {@code view}'s pinned block (one endpoint: {@code ChainView}; several that must agree: {@code QuorumView}). */
    public ClusterReads reads(ChainReader view) {
        return new ClusterReads(this, view);
    }

    /** Transactions sent with {@code sender} (host tools only). */
    public ClusterWrites writes(TransactionSender sender) {
        return new ClusterWrites(this, sender);
    }

    // ---- calldata ----------------------------------------------------------------------------------

    /** Calldata of {@code function(args)}; args in headlong's types. */
    public byte[] calldata(String function, Object... args) {
        ByteBuffer bb = artifact.function(function).encodeCallWithArgs(args);
        return bb.array();
    }

    /** Calldata of {@code requestJoin(anchorNumber, node, encKey, evidence)}. */
    public byte[] requestJoinCall(long anchorNumber, Address node, byte[] encKey32, byte[] evidence) {
        return calldata("requestJoin", BigInteger.valueOf(anchorNumber), Abi.headlong(node), encKey32, evidence);
    }

    /** Calldata of {@code submitGenesis(anchorNumber, node, signer, encKey, evidence)}. */
    public byte[] submitGenesisCall(long anchorNumber, Address node, Address signer, byte[] encKey32, byte[] evidence) {
        return calldata("submitGenesis", BigInteger.valueOf(anchorNumber), Abi.headlong(node), Abi.headlong(signer), encKey32, evidence);
    }

    /** Calldata of {@code onboard(id, sealedSecret, sig)}. */
    public byte[] onboardCall(BigInteger id, byte[] sealedSecret, byte[] sig65) {
        return calldata("onboard", id, sealedSecret, sig65);
    }

    /** Calldata of {@code anchorVolume(volumeId, version, sig)}. */
    public byte[] anchorVolumeCall(byte[] volumeId32, long version, byte[] sig65) {
        return calldata("anchorVolume", volumeId32, BigInteger.valueOf(version), sig65);
    }

    /** Calldata of {@code reject(id, check, sig)}. */
    public byte[] rejectCall(BigInteger id, int check, byte[] sig65) {
        return calldata("reject", id, check, sig65);
    }

    // ---- events -------------------------------------------------------------------------------------

    /** A decoded event with where it was logged. */
    public record Emitted(ClusterEvent event, long blockNumber, byte[] transactionHash, long logIndex) {}

    /**
     * Decodes one log of this contract; empty for a log of another address or an unknown topic.
     *
     * @throws IllegalArgumentException when the log claims one of our events but does not decode as it
     */
    public Optional<ClusterEvent> decode(Log log) {
        if (!log.address().equals(address) || log.topics().isEmpty()) {
            return Optional.empty();
        }
        Event<Tuple> e = artifact.eventByTopic(log.topic(0));
        if (e == null) {
            return Optional.empty();
        }
        byte[][] topics = log.topics().toArray(new byte[0][]);
        Tuple t;
        try {
            t = e.decodeArgs(topics, log.data());
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("log " + log.logIndex() + " in block " + log.blockNumber() + " is not a valid "
                    + e.getName() + ": " + ex.getMessage(), ex);
        }
        return Optional.of(switch (e.getName()) {
            case "GovernorChanged" -> new ClusterEvent.GovernorChanged(addr(t, 0), addr(t, 1));
            case "GovernanceTransferStarted" -> new ClusterEvent.GovernanceTransferStarted(addr(t, 0), addr(t, 1));
            case "OperatorSet" -> new ClusterEvent.OperatorSet(addr(t, 0), t.get(1));
            case "PolicyProposed" -> new ClusterEvent.PolicyProposed(PolicyKind.of(t.get(0)), t.get(1), t.<BigInteger>get(2).longValueExact());
            case "PolicyAdded" -> new ClusterEvent.PolicyAdded(PolicyKind.of(t.get(0)), t.get(1));
            case "PolicyRemoved" -> new ClusterEvent.PolicyRemoved(PolicyKind.of(t.get(0)), t.get(1));
            case "GenesisSubmitted" -> new ClusterEvent.GenesisSubmitted(t.get(0), addr(t, 1), addr(t, 2), t.get(3),
                    t.<BigInteger>get(4).longValueExact(), t.get(5), t.get(6));
            case "Bootstrapped" -> new ClusterEvent.Bootstrapped(t.get(0), addr(t, 1), t.get(2), addr(t, 3), t.<BigInteger>get(4).longValueExact());
            case "JoinRequested" -> new ClusterEvent.JoinRequested(t.get(0), addr(t, 1), t.get(2),
                    t.<BigInteger>get(3).longValueExact(), t.get(4), t.get(5));
            case "Onboarded" -> new ClusterEvent.Onboarded(t.get(0), addr(t, 1), t.get(2));
            case "Rejected" -> new ClusterEvent.Rejected(t.get(0), addr(t, 1), t.<Integer>get(2));
            case "MemberRemoved" -> new ClusterEvent.MemberRemoved(addr(t, 0));
            case "VolumeAnchored" -> new ClusterEvent.VolumeAnchored(t.get(0), t.<BigInteger>get(1).longValueExact());
            default -> throw new IllegalStateException("event " + e.getName() + " has no binding");
        });
    }

    /** Every event of this contract from {@code fromBlock} up to the view's pinned block, in chain order. */
    public List<Emitted> events(ChainReader view, long fromBlock) throws RpcException {
        return events(view, fromBlock, artifact.events().stream().map(e -> artifact.topic(e.getName())).toArray(byte[][]::new));
    }

    /** The events named {@code names} from {@code fromBlock} up to the view's pinned block. */
    public List<Emitted> events(ChainReader view, long fromBlock, String... names) throws RpcException {
        return events(view, fromBlock, Arrays.stream(names).map(artifact::topic).toArray(byte[][]::new));
    }

    private List<Emitted> events(ChainReader view, long fromBlock, byte[][] topics) throws RpcException {
        List<Emitted> out = new ArrayList<>();
        for (Log l : view.logs(LogFilter.events(address, fromBlock, view.blockNumber(), topics))) {
            decode(l).ifPresent(ev -> out.add(new Emitted(ev, l.blockNumber(), l.transactionHash(), l.logIndex())));
        }
        return out;
    }

    /** The events of a receipt emitted by this contract. */
    public List<ClusterEvent> events(Receipt receipt) {
        List<ClusterEvent> out = new ArrayList<>();
        for (Log l : receipt.logs()) {
            decode(l).ifPresent(out::add);
        }
        return out;
    }

    // ---- errors -------------------------------------------------------------------------------------

    /** Decodes revert data as one of the contract's custom errors; empty when it is none of them. */
    public Optional<ContractRevert> decodeRevert(byte[] revertData) {
        return decodeRevertData(artifact, revertData);
    }

    static Optional<ContractRevert> decodeRevertData(ContractArtifact artifact, byte[] data) {
        if (data == null || data.length < 4) {
            return Optional.empty();
        }
        ContractError<Tuple> e = artifact.errorBySelector(Arrays.copyOf(data, 4));
        if (e == null) {
            return Optional.empty();
        }
        try {
            Tuple t = e.getInputs().decode(ByteBuffer.wrap(data, 4, data.length - 4).slice());
            return Optional.of(new ContractRevert(e.getName(), Arrays.asList(t.toArray())));
        } catch (RuntimeException ex) {
            return Optional.empty();
        }
    }

    static Receipt transact(TransactionSender sender, String what, Optional<Address> to, byte[] data)
            throws ClusterContractException {
        ContractArtifact a = ContractArtifact.load();
        try {
            return sender.sendAndWait(to, data, BigInteger.ZERO);
        } catch (TransactionFailedException e) {
            ContractRevert rev = e.revertData().flatMap(d -> decodeRevertData(a, d)).orElse(null);
            String why = rev != null ? rev.toString() : e.getMessage();
            throw new ClusterContractException("DstackCluster refused " + what + ": " + why, rev, e);
        } catch (RpcException e) {
            throw new ClusterContractException(what + " could not be sent: " + e.getMessage(), null, e);
        }
    }

    static ClusterContractException readFailure(ContractArtifact a, String what, RpcException e) {
        ContractRevert rev = e.error() instanceof RpcError.Remote r
                ? r.revertData().flatMap(d -> decodeRevertData(a, d)).orElse(null) : null;
        return new ClusterContractException("reading " + what + " failed: " + (rev != null ? rev.toString() : e.getMessage()), rev, e);
    }

    private static Address addr(Tuple t, int i) {
        return Abi.address(t.get(i));
    }
}
