package org.dstack4j.cluster.contract;

import java.math.BigInteger;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.rpc.Receipt;
import org.dstack4j.chain.tx.TransactionSender;

/**
 * The contract's transactions, sent and waited for (host tools only: governor CLI, host relay). A
 * refusal is a {@link ClusterContractException} naming the contract's custom error, raised before
 * anything is sent when the gas estimate reverts.
 */
public final class ClusterWrites {
    private final ClusterContract contract;
    private final TransactionSender sender;

    ClusterWrites(ClusterContract contract, TransactionSender sender) {
        this.contract = contract;
        this.sender = sender;
    }

    private Receipt send(String fn, byte[] data) throws ClusterContractException {
        return ClusterContract.transact(sender, fn, Optional.of(contract.address()), data);
    }

    private Receipt send(String fn, Object... args) throws ClusterContractException {
        return send(fn, contract.calldata(fn, args));
    }

    /** Sends prepared calldata (e.g. from a node through the host relay) to the contract. */
    public Receipt sendCalldata(byte[] calldata) throws ClusterContractException {
        return send("call", calldata);
    }

    public Receipt transferGovernance(Address newGovernor) throws ClusterContractException {
        return send("transferGovernance", Abi.headlong(newGovernor));
    }

    public Receipt acceptGovernance() throws ClusterContractException {
        return send("acceptGovernance");
    }

    public Receipt setOperator(Address operator, boolean allowed) throws ClusterContractException {
        return send("setOperator", Abi.headlong(operator), allowed);
    }

    public Receipt proposePolicy(PolicyKind kind, byte[] value32) throws ClusterContractException {
        return send("proposePolicy", kind.code(), value32);
    }

    public Receipt applyPolicy(PolicyKind kind, byte[] value32) throws ClusterContractException {
        return send("applyPolicy", kind.code(), value32);
    }

    public Receipt removePolicy(PolicyKind kind, byte[] value32) throws ClusterContractException {
        return send("removePolicy", kind.code(), value32);
    }

    /** Submits a genesis; returns its id (from the GenesisSubmitted event). */
    public BigInteger submitGenesis(long anchorNumber, Address node, Address signer, byte[] encKey32, byte[] evidence)
            throws ClusterContractException {
        Receipt r = send("submitGenesis", contract.submitGenesisCall(anchorNumber, node, signer, encKey32, evidence));
        return contract.events(r).stream().filter(e -> e instanceof ClusterEvent.GenesisSubmitted)
                .map(e -> ((ClusterEvent.GenesisSubmitted) e).id()).findFirst()
                .orElseThrow(() -> new ClusterContractException("submitGenesis emitted no GenesisSubmitted", null, null));
    }

    public Receipt bootstrap(BigInteger genesisId, Address node) throws ClusterContractException {
        return send("bootstrap", genesisId, Abi.headlong(node));
    }

    /** Requests a join; returns the request id (from the JoinRequested event). */
    public BigInteger requestJoin(long anchorNumber, Address node, byte[] encKey32, byte[] evidence) throws ClusterContractException {
        Receipt r = send("requestJoin", contract.requestJoinCall(anchorNumber, node, encKey32, evidence));
        return contract.events(r).stream().filter(e -> e instanceof ClusterEvent.JoinRequested)
                .map(e -> ((ClusterEvent.JoinRequested) e).id()).findFirst()
                .orElseThrow(() -> new ClusterContractException("requestJoin emitted no JoinRequested", null, null));
    }

    public Receipt onboard(BigInteger id, byte[] sealedSecret, byte[] sig65) throws ClusterContractException {
        return send("onboard", contract.onboardCall(id, sealedSecret, sig65));
    }

    public Receipt reject(BigInteger id, int check, byte[] sig65) throws ClusterContractException {
        return send("reject", contract.rejectCall(id, check, sig65));
    }

    /** Raises the anchored version of an encrypted volume; {@code sig65} is the cluster signer's {@code VolumeVersion} signature. */
    public Receipt anchorVolume(byte[] volumeId32, long version, byte[] sig65) throws ClusterContractException {
        return send("anchorVolume", contract.anchorVolumeCall(volumeId32, version, sig65));
    }

    public Receipt removeMember(Address node) throws ClusterContractException {
        return send("removeMember", Abi.headlong(node));
    }
}
