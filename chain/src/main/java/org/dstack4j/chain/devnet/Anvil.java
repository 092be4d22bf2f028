package org.dstack4j.chain.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.RpcException;

/**
 * A running anvil on 127.0.0.1 with a free port, its dev accounts, and its test-only controls
 * ({@code evm_increaseTime}, {@code anvil_mine}, snapshots). {@link #close()} kills it.
 */
public final class Anvil implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI url;
    private final JsonRpcClient rpc;
    private final List<SigningKey> accounts;
    private final Path workDir;
    private final Thread killOnExit;

    private Anvil(Process process, URI url, List<SigningKey> accounts, Path workDir) {
        this.process = process;
        // a JVM that dies without close() (a crashed test run) must not leave anvil behind
        this.killOnExit = new Thread(process::destroyForcibly, "anvil-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        this.url = url;
        this.rpc = new JsonRpcClient(url, Duration.ofSeconds(10), JsonRpcClient.DEFAULT_MAX_RESPONSE);
        this.accounts = List.copyOf(accounts);
        this.workDir = workDir;
    }

    /**
     * Starts {@code binary} on 127.0.0.1 with a free port and waits until it listens.
     *
     * @param binary the anvil executable (see {@link DevTools#anvil()})
     * @param extraArgs more anvil flags, e.g. {@code --block-time 1}, {@code --chain-id 31337}
     * @param ready how long to wait for it to listen
     * @throws IOException when it cannot start or does not listen in time (its last output lines included)
     */
    public static Anvil start(Path binary, List<String> extraArgs, Duration ready) throws IOException {
        Path dir = Files.createTempDirectory("dstack4j-anvil");
        Path config = dir.resolve("config.json");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--host", "127.0.0.1", "--port", "0",
                "--accounts", "10", "--config-out", config.toString()));
        cmd.addAll(extraArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ArrayDeque<String> tail = new ArrayDeque<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            // anvil logs every request; draining keeps it from blocking on a full pipe
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (!port.isDone() && m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 20) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
            port.completeExceptionally(new IOException("anvil exited"));
        }, "anvil-output");
        drain.setDaemon(true);
        drain.start();
        int listening;
        try {
            listening = port.get(ready.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            String last;
            synchronized (tail) {
                last = String.join("\n", tail);
            }
            throw new IOException("anvil (" + binary + ") did not start listening within " + ready.toMillis() + " ms; its output:\n" + last, e);
        }
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < 50 && !Files.exists(config); i++) {
            sleep(20);
        }
        JsonNode cfg = JSON.readTree(config.toFile());
        for (JsonNode k : cfg.path("private_keys")) {
            keys.add(SigningKey.of(Hex.decode(k.asText(), 32, "anvil dev key")));
        }
        return new Anvil(p, URI.create("http://127.0.0.1:" + listening), keys, dir);
    }

    /** The JSON-RPC URL. */
    public URI url() {
        return url;
    }

    /** A client for it. */
    public JsonRpcClient rpc() {
        return rpc;
    }

    /** Dev account {@code i} (0..9), funded with 10000 ETH. */
    public SigningKey account(int i) {
        return accounts.get(i);
    }

    /** Mines {@code blocks} empty blocks at once. */
    public void mine(long blocks) throws RpcException {
        rpc.call("anvil_mine", Hex.quantity(blocks));
    }

    /** Moves the chain clock forward by {@code seconds} (takes effect in the next block). */
    public void increaseTime(long seconds) throws RpcException {
        rpc.call("evm_increaseTime", Hex.quantity(seconds));
    }

    /** {@code evm_snapshot}: an id for {@link #revert}. */
    public String snapshot() throws RpcException {
        return rpc.call("evm_snapshot").asText();
    }

    /** {@code evm_revert} to a snapshot (which is consumed). */
    public boolean revert(String snapshotId) throws RpcException {
        return rpc.call("evm_revert", snapshotId).asBoolean();
    }

    /** The chain id. */
    public BigInteger chainId() throws RpcException {
        return rpc.chainId();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        rpc.close();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var s = Files.list(workDir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(workDir);
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
