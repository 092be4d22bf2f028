package org.dstack4j.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.testing.SimulatedCvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's wire protocol over a real unix socket: each of the four calls crosses intact (what the node sent is
 * what the relay is asked to submit), collateral crosses intact, a refusal reaches the node as an error, and a body
 * over the cap is refused before the relay sees it.
 */
class RelayServerTest {
    @TempDir
    Path dir;

    @Test
    void callsAndCollateralCrossTheSocketIntactAndRefusalsComeBack() throws Exception {
        Collateral collateral;
        try (SimulatedCvm cvm = SimulatedCvm.start(dir, "relay-test", "{}", SimulatedCvm.profileWith("source", "r"))) {
            collateral = cvm.collateral();
        }
        List<ContractCall> seen = new CopyOnWriteArrayList<>();
        Relay recording = new Relay() {
            @Override
            public Submitted submit(ContractCall call) throws RelayException {
                seen.add(call);
                if (call instanceof ContractCall.Reject) throw new RelayException("contract refused: RequestNotPending", null);
                return new Submitted(new byte[32], 7);
            }

            @Override
            public Collateral collateral(byte[] quote) {
                return collateral;
            }
        };
        Path sock = dir.resolve("relay.sock");
        try (RelayServer server = RelayServer.start(sock, recording, Duration.ofSeconds(5));
                RelayClient client = new RelayClient(sock, Duration.ofSeconds(5))) {
            Address node = Address.parse("0x" + "11".repeat(20));
            byte[] key = new byte[32];
            key[0] = 9;
            byte[] sig = new byte[65];
            sig[64] = 27;
            var join = new ContractCall.RequestJoin(12, node, key, new byte[] {1, 2, 3});
            var genesis = new ContractCall.SubmitGenesis(3, node, Address.parse("0x" + "22".repeat(20)), key, new byte[] {4});
            var onboard = new ContractCall.Onboard(BigInteger.valueOf(5), new byte[80], sig);
            assertThat(client.submit(join).blockNumber()).isEqualTo(7);
            client.submit(genesis);
            client.submit(onboard);
            assertThatThrownBy(() -> client.submit(new ContractCall.Reject(BigInteger.TWO, 9, sig)))
                    .isInstanceOf(RelayException.class).hasMessageContaining("502").hasMessageContaining("RequestNotPending");
            assertThat(seen).hasSize(4);
            ContractCall.RequestJoin j = (ContractCall.RequestJoin) seen.get(0);
            assertThat(j.anchorNumber()).isEqualTo(12);
            assertThat(j.node()).isEqualTo(node);
            assertThat(j.encKey()).isEqualTo(key);
            assertThat(j.evidence()).containsExactly(1, 2, 3);
            assertThat(((ContractCall.SubmitGenesis) seen.get(1)).signer()).isEqualTo(genesis.signer());
            assertThat(((ContractCall.Onboard) seen.get(2)).requestId()).isEqualTo(5);
            assertThat(((ContractCall.Reject) seen.get(3)).check()).isEqualTo(9);
            assertThat(client.collateral(new byte[] {1}).tcbInfo()).isEqualTo(collateral.tcbInfo());
            // evidence over the body cap never reaches the relay: the client refuses to send it...
            var huge = new ContractCall.RequestJoin(1, node, key, new byte[RelayServer.MAX_BODY_BYTES]);
            assertThatThrownBy(() -> client.submit(huge)).isInstanceOf(RelayException.class).hasMessageContaining("cap");
            // ...and the server refuses it from a client that sends anyway (413, or the connection closed mid-body)
            var raw = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(sock));
            raw.write(java.nio.ByteBuffer.wrap(("POST /v1/submit HTTP/1.1\r\nHost: relay\r\nContent-Length: "
                    + (RelayServer.MAX_BODY_BYTES + 1) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            java.nio.ByteBuffer answer = java.nio.ByteBuffer.allocate(64);
            raw.read(answer);
            raw.close();
            assertThat(new String(answer.array(), 0, answer.position(), java.nio.charset.StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 413");
            assertThat(seen).hasSize(4);
        }
    }

    @Test
    void onlyTheFourNodeCallsParse() {
        var bad = ContractCall.JSON.createObjectNode().put("function", "transferGovernance").put("to", "0x" + "00".repeat(20));
        assertThatThrownBy(() -> ContractCall.fromJson(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transferGovernance");
        var noKey = ContractCall.JSON.createObjectNode().put("function", "requestJoin").put("anchor_number", 1)
                .put("node", "0x" + "11".repeat(20)).put("evidence", "0x");
        assertThatThrownBy(() -> ContractCall.fromJson(noKey)).hasMessageContaining("enc_key");
    }
}
