package org.dstack4j.cluster.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.chain.devnet.DevTools;
import org.dstack4j.chain.rpc.BlockRef;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.tx.TransactionFailedException;
import org.dstack4j.chain.tx.TransactionSender;

/**
 * {@code contracts/examples/AttestationConsumer.sol}, compiled at test time with the committed solc-js flow
 * ({@code node compile.mjs --source …}) and deployed on anvil: a contract that calls the cluster's
 * {@code verifyAttestation} for its own app id.
 */
public final class AttestationConsumerContract {
    private final JsonRpcClient rpc;
    private final Address address;

    private AttestationConsumerContract(JsonRpcClient rpc, Address address) {
        this.rpc = rpc;
        this.address = address;
    }

    /** The consumer's init code (without constructor arguments), compiled into {@code dir}. */
    public static byte[] compile(Path dir) throws Exception {
        DevTools tools = DevTools.locate();
        tools.ensureInstalled();
        Path out = dir.resolve("AttestationConsumer.json");
        Process p = new ProcessBuilder(List.of("node", "compile.mjs", "--source", "examples/AttestationConsumer.sol",
                "--contract", "AttestationConsumer", "--out", out.toString()))
                .directory(tools.contracts().toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("compiling AttestationConsumer failed: " + log);
        }
        return Hex.decode(new ObjectMapper().readTree(Files.readString(out)).get("bytecode").asText());
    }

    /** Deploys a consumer of {@code cluster} for app {@code appId32}. */
    public static AttestationConsumerContract deploy(TransactionSender sender, byte[] initCode, Address cluster, byte[] appId32)
            throws Exception {
        byte[] data = concat(initCode, Words.encode(Words.address(cluster), Words.bytes32(appId32)));
        Address at = sender.sendAndWait(Optional.empty(), data, BigInteger.ZERO).contractAddress().orElseThrow();
        return new AttestationConsumerContract(sender.rpc(), at);
    }

    /** {@code check(data, sig)} through {@code eth_call}. */
    public boolean check(byte[] data, byte[] sig) throws Exception {
        byte[] out = rpc.ethCall(Optional.empty(), address, call("check(bytes,bytes)", data, sig), BlockRef.LATEST);
        return out.length == 32 && out[31] == 1 && Arrays.equals(Arrays.copyOf(out, 31), new byte[31]);
    }

    /** {@code submit(data, sig)} as a transaction; a revert is a {@link TransactionFailedException}. */
    public void submit(TransactionSender sender, byte[] data, byte[] sig) throws Exception {
        sender.sendAndWait(Optional.of(address), call("submit(bytes,bytes)", data, sig), BigInteger.ZERO);
    }

    /** {@code accepted(keccak256(data))}. */
    public boolean accepted(byte[] data) throws Exception {
        byte[] out = rpc.ethCall(Optional.empty(), address,
                concat(selector("accepted(bytes32)"), Keccak.keccak256(data)), BlockRef.LATEST);
        return out.length == 32 && out[31] == 1;
    }

    private static byte[] call(String signature, byte[] data, byte[] sig) {
        return concat(selector(signature), Abi.encode("(bytes,bytes)", data, sig));
    }

    private static byte[] selector(String signature) {
        return Arrays.copyOf(Keccak.keccak256(signature), 4);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
