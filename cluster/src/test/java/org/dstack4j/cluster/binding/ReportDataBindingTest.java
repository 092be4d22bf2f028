package org.dstack4j.cluster.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esaulpaugh.headlong.abi.Tuple;
import com.esaulpaugh.headlong.abi.TupleType;
import com.joemelsha.crypto.hash.Keccak;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.secret.ClusterPublicKeys;
import org.junit.jupiter.api.Test;

/** The report-data binding against headlong's ABI encoder and its own Keccak (not the chain module's). */
class ReportDataBindingTest {
    private static final ClusterRef REF = new ClusterRef(31337, Address.parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
    private static final Address NODE = Address.parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    private static final byte[] ANCHOR = HexFormat.of().parseHex("aa".repeat(32));
    private static final byte[] ENC = HexFormat.of().parseHex("0b".repeat(32));

    private static byte[] keccak(byte[] b) {
        return new Keccak(256).digest(b);
    }

    private static com.esaulpaugh.headlong.abi.Address hl(Address a) {
        return com.esaulpaugh.headlong.abi.Address.wrap(com.esaulpaugh.headlong.abi.Address.toChecksumAddress(a.toLowerHex()));
    }

    private static byte[] oracle(String tag, byte[] keyHash, ClusterRef ref, Address node) {
        TupleType<Tuple> tt = TupleType.parse("(bytes32,uint256,address,bytes32,bytes32,address)");
        byte[] enc = tt.encode(Tuple.of(keccak(tag.getBytes(StandardCharsets.US_ASCII)), BigInteger.valueOf(ref.chainId()),
                hl(ref.contract()), ANCHOR, keyHash, hl(node))).array();
        return Arrays.copyOf(keccak(enc), 64);
    }

    @Test
    void joinBindsTagChainContractAnchorKeyAndNode() {
        byte[] rd = ReportDataBinding.join(REF, ANCHOR, ENC, NODE);
        assertThat(rd).hasSize(64).isEqualTo(oracle("dstack4j/cluster/join/v1", keccak(ENC), REF, NODE));
        assertThat(Arrays.copyOfRange(rd, 32, 64)).containsOnly(0);
        // every input changes it
        assertThat(ReportDataBinding.join(new ClusterRef(1, REF.contract()), ANCHOR, ENC, NODE)).isNotEqualTo(rd);
        assertThat(ReportDataBinding.join(new ClusterRef(31337, NODE), ANCHOR, ENC, NODE)).isNotEqualTo(rd);
        assertThat(ReportDataBinding.join(REF, new byte[32], ENC, NODE)).isNotEqualTo(rd);
        assertThat(ReportDataBinding.join(REF, ANCHOR, new byte[32], NODE)).isNotEqualTo(rd);
        assertThat(ReportDataBinding.join(REF, ANCHOR, ENC, REF.contract())).isNotEqualTo(rd);
    }

    @Test
    void genesisBindsTheClusterPublicKeys() {
        ClusterPublicKeys keys = new ClusterPublicKeys(NODE, ENC);
        byte[] keyHash = keccak(TupleType.parse("(address,bytes32)").encode(Tuple.of(hl(NODE), ENC)).array());
        byte[] rd = ReportDataBinding.genesis(REF, ANCHOR, keys, NODE);
        assertThat(rd).isEqualTo(oracle("dstack4j/cluster/genesis/v1", keyHash, REF, NODE));
        assertThat(rd).isNotEqualTo(ReportDataBinding.join(REF, ANCHOR, ENC, NODE));
    }

    @Test
    void wrongSizesAreRefusedByName() {
        assertThatThrownBy(() -> ReportDataBinding.join(REF, new byte[31], ENC, NODE)).hasMessage("anchorHash must be 32 bytes, got 31");
        assertThatThrownBy(() -> ReportDataBinding.join(REF, ANCHOR, new byte[33], NODE)).hasMessage("encKey must be 32 bytes, got 33");
    }
}
