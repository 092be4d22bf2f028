package org.dstack4j.cluster.contract;

import com.esaulpaugh.headlong.abi.Function;
import com.esaulpaugh.headlong.abi.Tuple;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.rpc.ChainReader;
import org.dstack4j.chain.rpc.RpcException;

/**
 * The contract's views, read at one {@link ChainReader} (a confirmed block, one endpoint or a quorum). Failures are
 * {@link ClusterContractException}s; a revert names the contract's custom error (e.g. {@code UnknownRequest}).
 */
public final class ClusterReads {
    private final ClusterContract contract;
    private final ChainReader view;

    ClusterReads(ClusterContract contract, ChainReader view) {
        this.contract = contract;
        this.view = view;
    }

    /** The view these reads are made at. */
    public ChainReader view() {
        return view;
    }

    private Tuple call(String fn, Object... args) throws ClusterContractException {
        Function f = contract.artifact().function(fn);
        byte[] out;
        try {
            out = view.call(contract.address(), f.encodeCallWithArgs(args).array());
        } catch (RpcException e) {
            throw ClusterContract.readFailure(contract.artifact(), fn, e);
        }
        if (out.length == 0) {
            throw new ClusterContractException("reading " + fn + " returned nothing: no DstackCluster at " + contract.address()
                    + " in block " + view.blockNumber(), null, null);
        }
        try {
            return f.decodeReturn(out);
        } catch (RuntimeException e) {
            throw new ClusterContractException("reading " + fn + " returned a malformed answer: " + e.getMessage(), null, e);
        }
    }

    private <T> T one(String fn, Object... args) throws ClusterContractException {
        return call(fn, args).get(0);
    }

    private Address address(String fn, Object... args) throws ClusterContractException {
        return Abi.address(one(fn, args));
    }

    // ---- governance and configuration ----

    public Address governor() throws ClusterContractException {
        return address("governor");
    }

    public Address pendingGovernor() throws ClusterContractException {
        return address("pendingGovernor");
    }

    public boolean isOperator(Address a) throws ClusterContractException {
        return one("isOperator", Abi.headlong(a));
    }

    /** Seconds between proposing and applying a policy addition. */
    public long policyDelay() throws ClusterContractException {
        return this.<BigInteger>one("policyDelay").longValueExact();
    }

    /** Blocks an anchor may lie behind a request. */
    public long maxAnchorAge() throws ClusterContractException {
        return this.<BigInteger>one("maxAnchorAge").longValueExact();
    }

    /** Blocks a request stays answerable after its request block. */
    public long requestTtl() throws ClusterContractException {
        return this.<BigInteger>one("requestTtl").longValueExact();
    }

    // ---- cluster ----

    /** The cluster signer address; {@link Address#ZERO} before bootstrap. */
    public Address clusterSigner() throws ClusterContractException {
        return address("clusterSigner");
    }

    /** The cluster's X25519 public key (32 bytes; zero before bootstrap). */
    public byte[] clusterEncKey() throws ClusterContractException {
        return one("clusterEncKey");
    }

    /** The secret's generation (0 before bootstrap, then 1). */
    public long epoch() throws ClusterContractException {
        return this.<BigInteger>one("epoch").longValueExact();
    }

    public boolean bootstrapped() throws ClusterContractException {
        return !clusterSigner().equals(Address.ZERO);
    }

    public BigInteger bootstrapGenesisId() throws ClusterContractException {
        return one("bootstrapGenesisId");
    }

    /** keccak256(abi.encode(chainId, contract)) as the contract computes it. */
    public byte[] clusterId() throws ClusterContractException {
        return one("clusterId");
    }

    /** The EIP-712 domain separator as the contract computes it. */
    public byte[] domainSeparator() throws ClusterContractException {
        return one("domainSeparator");
    }

    public boolean isMember(Address node) throws ClusterContractException {
        return one("isMember", Abi.headlong(node));
    }

    public boolean isRemoved(Address node) throws ClusterContractException {
        return one("isRemoved", Abi.headlong(node));
    }

    // ---- policy ----

    public boolean isAllowed(PolicyKind kind, byte[] value32) throws ClusterContractException {
        return one("isAllowed", kind.code(), value32);
    }

    /** When a proposed addition becomes applicable (unix seconds), 0 when none is proposed. */
    public long policyEta(PolicyKind kind, byte[] value32) throws ClusterContractException {
        return this.<BigInteger>one("policyEta", kind.code(), value32).longValueExact();
    }

    /** The allowed values of a kind, oldest first. */
    public List<byte[]> policyValues(PolicyKind kind) throws ClusterContractException {
        return Arrays.asList(this.<byte[][]>one("policyValues", kind.code()));
    }

    /** Approved image digests, newest first. */
    public List<byte[]> approvedImages() throws ClusterContractException {
        return Arrays.asList(this.<byte[][]>one("approvedImages"));
    }

    // ---- genesis ----

    public BigInteger genesisCount() throws ClusterContractException {
        return one("genesisCount");
    }

    /** A stored genesis; a revert {@code UnknownGenesis} when there is none. */
    public GenesisRecord genesis(BigInteger id) throws ClusterContractException {
        Tuple t = call("genesis", id);
        return new GenesisRecord(id, Abi.address(t.get(0)), Abi.address(t.get(1)), t.get(2), t.<BigInteger>get(3).longValueExact(),
                t.get(4), t.get(5), t.<BigInteger>get(6).longValueExact());
    }

    /** The 64 report-data bytes of a genesis quote, rebuilt by the contract. */
    public byte[] genesisReportData(BigInteger id) throws ClusterContractException {
        return one("genesisReportData", id);
    }

    // ---- joins ----

    public BigInteger requestCount() throws ClusterContractException {
        return one("requestCount");
    }

    /** A stored request; a revert {@code UnknownRequest} when there is none. */
    public JoinRequest request(BigInteger id) throws ClusterContractException {
        Tuple t = call("request", id);
        return new JoinRequest(id, Abi.address(t.get(0)), t.get(1), t.<BigInteger>get(2).longValueExact(), t.get(3), t.get(4),
                t.<BigInteger>get(5).longValueExact(), RequestState.of(t.<Integer>get(6)));
    }

    /** The failed check of a rejected request (0 otherwise). */
    public int rejectedCheck(BigInteger id) throws ClusterContractException {
        return this.<Integer>one("rejectedCheck", id);
    }

    /** The 64 report-data bytes the request's quote must carry, rebuilt by the contract from the stored request. */
    public byte[] joinReportData(BigInteger id) throws ClusterContractException {
        return one("joinReportData", id);
    }

    public boolean encKeyUsed(byte[] encKey32) throws ClusterContractException {
        return one("encKeyUsed", encKey32);
    }

    /** True when {@code sig} is the cluster signer's EIP-712 Attestation of (appId, keccak256(data)). */
    public boolean verifyAttestation(byte[] appId32, byte[] data, byte[] sig) throws ClusterContractException {
        return one("verifyAttestation", appId32, data, sig);
    }

    /** The anchored manifest version of an encrypted volume (0 when never anchored). */
    public long volumeVersion(byte[] volumeId32) throws ClusterContractException {
        return this.<BigInteger>one("volumeVersion", (Object) volumeId32).longValueExact();
    }

    /** The largest evidence the contract accepts, bytes. */
    public long maxEvidence() throws ClusterContractException {
        return this.<BigInteger>one("MAX_EVIDENCE").longValueExact();
    }
}
