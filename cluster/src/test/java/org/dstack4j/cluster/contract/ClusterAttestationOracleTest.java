package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dstack4j.cluster.contract.ClusterFixture.malleate;
import static org.dstack4j.cluster.contract.ClusterFixture.random32;
import static org.dstack4j.cluster.contract.ClusterFixture.randomAddress;
import static org.dstack4j.cluster.contract.ClusterFixture.withV;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.devnet.Cast;
import org.dstack4j.chain.tx.TransactionFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code verifyAttestation} as a truth table (through {@code eth_call} on the cluster contract and through a
 * consumer contract that calls it), and the binding's EIP-712 digests, ABI encodings and
 * contract reads checked against Foundry's cast (an independent implementation).
 */
class ClusterAttestationOracleTest {
    static ClusterFixture f;
    static ClusterFixture.Bootstrapped b;
    static ClusterContract unbootstrapped;
    static Cast cast;
    static byte[] consumerCode;
    /** One consumer contract per app id (hex), deployed on first use. */
    static final Map<String, AttestationConsumerContract> consumers = new HashMap<>();
    static final byte[] APP = Keccak.keccak256("app");
    static final byte[] DATA = "hello from an app".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        f = new ClusterFixture();
        b = f.bootstrapped();
        unbootstrapped = f.deploy();
        cast = Cast.locate();
        consumerCode = AttestationConsumerContract.compile(Files.createTempDirectory("consumer"));
    }

    static synchronized AttestationConsumerContract consumer(byte[] app) throws Exception {
        String k = Hex.data(app);
        AttestationConsumerContract c = consumers.get(k);
        if (c == null) {
            c = AttestationConsumerContract.deploy(f.other, consumerCode, b.contract().address(), app);
            consumers.put(k, c);
        }
        return c;
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    static byte[] attest(SigningKey key, ClusterTypedData typed, byte[] app, byte[] data) {
        return key.sign(typed.attestationDigest(app, data)).toBytes();
    }

    static Stream<Arguments> table() {
        ClusterTypedData typed = b.typed(f.chainId);
        byte[] good = attest(b.signer(), typed, APP, DATA);
        byte[] zeroR = good.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        byte[] zeroS = good.clone();
        Arrays.fill(zeroS, 32, 64, (byte) 0);
        byte[] flippedBit = good.clone();
        flippedBit[10] ^= 1;
        return Stream.of(
                Arguments.of("genuine", APP, DATA, good, true),
                Arguments.of("wrong app", Keccak.keccak256("other app"), DATA, good, false),
                Arguments.of("wrong data", APP, "hello from an app!".getBytes(StandardCharsets.UTF_8), good, false),
                Arguments.of("empty data", APP, new byte[0], good, false),
                Arguments.of("another signer", APP, DATA, attest(SigningKey.random(ClusterFixture.RND), typed, APP, DATA), false),
                Arguments.of("malleated to high s", APP, DATA, malleate(good), false),
                Arguments.of("v flipped", APP, DATA, withV(good, good[64] == 27 ? 28 : 27), false),
                Arguments.of("v = 0", APP, DATA, withV(good, good[64] - 27), false),
                Arguments.of("v = 29", APP, DATA, withV(good, 29), false),
                Arguments.of("64 bytes", APP, DATA, Arrays.copyOf(good, 64), false),
                Arguments.of("66 bytes", APP, DATA, Arrays.copyOf(good, 66), false),
                Arguments.of("empty", APP, DATA, new byte[0], false),
                Arguments.of("r = 0", APP, DATA, zeroR, false),
                Arguments.of("s = 0", APP, DATA, zeroS, false),
                Arguments.of("a bit of r flipped", APP, DATA, flippedBit, false),
                Arguments.of("signed for another chain", APP, DATA,
                        attest(b.signer(), new ClusterTypedData(f.chainId.add(BigInteger.ONE), b.contract().address()), APP, DATA), false),
                Arguments.of("signed for another contract", APP, DATA,
                        attest(b.signer(), new ClusterTypedData(f.chainId, randomAddress()), APP, DATA), false),
                Arguments.of("an onboard signature", APP, DATA,
                        b.signer().sign(typed.onboardDigest(BigInteger.ONE, DATA, 1)).toBytes(), false));
    }

    @ParameterizedTest(name = "{0} -> {4}")
    @MethodSource("table")
    void verifyAttestation(String name, byte[] app, byte[] data, byte[] sig, boolean expected) throws Exception {
        assertThat(f.reads(b.contract()).verifyAttestation(app, data, sig)).as(name).isEqualTo(expected);
        // a contract calling it sees the same answer
        assertThat(consumer(app).check(data, sig)).as("consumer: " + name).isEqualTo(expected);
    }

    @Test
    void aConsumerContractActsOnlyOnAttestedData() throws Exception {
        byte[] data = "price=42 at block 7".getBytes(StandardCharsets.UTF_8);
        byte[] sig = attest(b.signer(), b.typed(f.chainId), APP, data);
        AttestationConsumerContract c = consumer(APP);
        assertThat(c.accepted(data)).isFalse();
        byte[] other = "price=43 at block 7".getBytes(StandardCharsets.UTF_8);
        // the same signature over other data, or for another app's consumer, reverts NotAttested
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.submit(f.stranger, other, sig))
                .isInstanceOf(TransactionFailedException.class).hasMessageContaining("revert");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> consumer(Keccak.keccak256("other app")).submit(f.stranger, data, sig))
                .isInstanceOf(TransactionFailedException.class);
        assertThat(c.accepted(other)).isFalse();
        c.submit(f.stranger, data, sig);
        assertThat(c.accepted(data)).isTrue();
    }

    @Test
    void beforeBootstrapNothingVerifies() throws Exception {
        // whatever the key: the unset signer (address 0) never matches, not even a signature recovering to 0
        ClusterTypedData typed = new ClusterTypedData(f.chainId, unbootstrapped.address());
        byte[] sig = attest(b.signer(), typed, APP, DATA);
        assertThat(f.reads(unbootstrapped).verifyAttestation(APP, DATA, sig)).isFalse();
        byte[] zeroR = sig.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        assertThat(f.reads(unbootstrapped).verifyAttestation(APP, DATA, zeroR)).isFalse();
    }

    private static String typedJson(ClusterTypedData typed, String primary, String fields, String message) {
        return "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":\"string\"},"
                + "{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
                + "\"" + primary + "\":" + fields + "},\"primaryType\":\"" + primary + "\",\"domain\":{\"name\":\"dstack4j cluster\","
                + "\"version\":\"1\",\"chainId\":" + typed.chainId() + ",\"verifyingContract\":\"" + typed.contract() + "\"},"
                + "\"message\":" + message + "}";
    }

    private static String castSign(SigningKey key, String json, Path dir) throws Exception {
        Path file = Files.createTempFile(dir, "typed", ".json");
        Files.writeString(file, json);
        return cast.run("wallet", "sign", "--data", "--from-file", "--private-key", Hex.data(key.privateKeyBytes()), file.toString());
    }

    @Test
    void eip712SignaturesEqualCasts(@TempDir Path dir) throws Exception {
        ClusterTypedData typed = b.typed(f.chainId);
        SigningKey key = b.signer();
        byte[] sealed = random32();
        BigInteger id = BigInteger.valueOf(123456789);
        String onboard = typedJson(typed, "Onboard", "[{\"name\":\"requestId\",\"type\":\"uint256\"},"
                + "{\"name\":\"sealedHash\",\"type\":\"bytes32\"},{\"name\":\"epoch\",\"type\":\"uint64\"}]",
                "{\"requestId\":\"" + id + "\",\"sealedHash\":\"" + Hex.data(Keccak.keccak256(sealed)) + "\",\"epoch\":\"7\"}");
        assertThat(Hex.data(key.sign(typed.onboardDigest(id, sealed, 7)).toBytes())).isEqualTo(castSign(key, onboard, dir));

        String reject = typedJson(typed, "Reject", "[{\"name\":\"requestId\",\"type\":\"uint256\"},{\"name\":\"check\",\"type\":\"uint8\"}]",
                "{\"requestId\":\"" + id + "\",\"check\":\"13\"}");
        assertThat(Hex.data(key.sign(typed.rejectDigest(id, 13)).toBytes())).isEqualTo(castSign(key, reject, dir));

        String att = typedJson(typed, "Attestation", "[{\"name\":\"appId\",\"type\":\"bytes32\"},{\"name\":\"dataHash\",\"type\":\"bytes32\"}]",
                "{\"appId\":\"" + Hex.data(APP) + "\",\"dataHash\":\"" + Hex.data(Keccak.keccak256(DATA)) + "\"}");
        String castSig = castSign(key, att, dir);
        assertThat(Hex.data(attest(key, typed, APP, DATA))).isEqualTo(castSig);
        // and the contract accepts cast's signature
        assertThat(f.reads(b.contract()).verifyAttestation(APP, DATA, Hex.decode(castSig))).isTrue();
    }

    @Test
    void contractReadsAndEncodingsEqualCasts() throws Exception {
        ClusterContract c = b.contract();
        byte[] encKey = random32();
        var node = randomAddress();
        BigInteger id = f.join(c, node, encKey);
        String rpc = f.anvil.url().toString();
        String addr = c.address().toString();
        // cast call decodes the return itself: compare with our binding's decoding
        assertThat(cast.run("call", "--rpc-url", rpc, addr, "joinReportData(uint256)(bytes)", id.toString()))
                .isEqualTo(Hex.data(f.reads(c).joinReportData(id)));
        assertThat(cast.run("call", "--rpc-url", rpc, addr, "clusterSigner()(address)")).isEqualTo(b.signer().address().toString());
        assertThat(cast.run("call", "--rpc-url", rpc, addr, "clusterId()(bytes32)")).isEqualTo(Hex.data(b.typed(f.chainId).clusterId()));
        // the report-data preimage, encoded by cast
        JoinRequest req = f.reads(c).request(id);
        String preimage = cast.run("abi-encode", "f(bytes32,uint256,address,bytes32,bytes32,address)",
                cast.run("keccak", "dstack4j/cluster/join/v1"), f.chainId.toString(), addr, Hex.data(req.anchorHash()),
                cast.run("keccak", Hex.data(encKey)), node.toString());
        assertThat(Hex.data(Arrays.copyOf(f.reads(c).joinReportData(id), 32))).isEqualTo(cast.run("keccak", preimage));
        // our calldata equals cast's
        byte[] sealed = random32();
        byte[] sig = b.signer().sign(b.typed(f.chainId).onboardDigest(id, sealed, 1)).toBytes();
        assertThat(Hex.data(c.onboardCall(id, sealed, sig)))
                .isEqualTo(cast.run("calldata", "onboard(uint256,bytes,bytes)", id.toString(), Hex.data(sealed), Hex.data(sig)));
    }
}
