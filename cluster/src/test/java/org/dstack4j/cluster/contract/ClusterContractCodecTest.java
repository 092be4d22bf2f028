package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.chain.rpc.Log;
import org.junit.jupiter.api.Test;

/** Decoding of logs and custom errors that did not come from the contract (pure, no chain). */
class ClusterContractCodecTest {
    static final Address AT = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    final ClusterContract c = new ClusterContract(AT);

    private static Log log(Address from, List<byte[]> topics, byte[] data) {
        return new Log(from, topics, data, 1, new byte[32], new byte[32], 0, false);
    }

    @Test
    void logsOfOtherContractsOrUnknownTopicsAreIgnored() {
        byte[] topic = c.artifact().topic("MemberRemoved");
        Address node = ClusterFixture.randomAddress();
        assertThat(c.decode(log(AT, List.of(topic, node.word()), new byte[0])))
                .contains(new ClusterEvent.MemberRemoved(node));
        assertThat(c.decode(log(ClusterFixture.randomAddress(), List.of(topic, node.word()), new byte[0]))).isEmpty();
        assertThat(c.decode(log(AT, List.of(Keccak.keccak256("Other(address)"), node.word()), new byte[0]))).isEmpty();
        assertThat(c.decode(log(AT, List.of(), new byte[0]))).isEmpty();
    }

    @Test
    void aLogClaimingOurEventButMalformedIsAnError() {
        byte[] topic = c.artifact().topic("Onboarded");
        // Onboarded(uint256 indexed id, address indexed node, bytes sealedSecret): data must be an ABI bytes
        byte[] bad = Words.encode(Words.uint256(BigInteger.valueOf(32)), Words.uint256(BigInteger.valueOf(1000)));
        assertThatThrownBy(() -> c.decode(log(AT, List.of(topic, Words.uint256(1), AT.word()), bad)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Onboarded");
        assertThatThrownBy(() -> c.decode(log(AT, List.of(topic), bad))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void customErrorsDecodeAndOthersDoNot() {
        byte[] key = Keccak.keccak256("k");
        byte[] data = org.dstack4j.chain.abi.Abi.encode("(bytes32)", (Object) key);
        byte[] sel = java.util.Arrays.copyOf(Keccak.keccak256("EncKeyUsed(bytes32)"), 4);
        byte[] revert = new byte[4 + data.length];
        System.arraycopy(sel, 0, revert, 0, 4);
        System.arraycopy(data, 0, revert, 4, data.length);
        ContractRevert r = c.decodeRevert(revert).orElseThrow();
        assertThat(r.name()).isEqualTo("EncKeyUsed");
        assertThat(r.toString()).startsWith("EncKeyUsed(0x");
        assertThat(c.decodeRevert(new byte[] {1, 2, 3, 4})).isEmpty();
        assertThat(c.decodeRevert(new byte[2])).isEmpty();
        assertThat(c.decodeRevert(sel)).isEmpty(); // selector without its argument
    }

    @Test
    void everyEventAndFunctionOfTheAbiHasABinding() {
        assertThat(c.artifact().events()).extracting(ev -> ev.getName()).containsExactlyInAnyOrder(
                "GovernorChanged", "GovernanceTransferStarted", "OperatorSet", "PolicyProposed", "PolicyAdded", "PolicyRemoved",
                "GenesisSubmitted", "Bootstrapped", "JoinRequested", "Onboarded", "Rejected", "MemberRemoved",
                "VolumeAnchored");
        for (String fn : List.of("transferGovernance", "acceptGovernance", "setOperator", "proposePolicy", "applyPolicy",
                "removePolicy", "submitGenesis", "bootstrap", "requestJoin", "onboard", "reject", "removeMember", "request",
                "joinReportData", "genesisReportData", "verifyAttestation", "approvedImages", "isAllowed", "policyValues",
                "anchorVolume", "volumeVersion")) {
            assertThat(c.artifact().function(fn)).isNotNull();
        }
        assertThat(Abi.address(Abi.headlong(AT))).isEqualTo(AT);
    }
}
