package org.dstack4j.chain.tx;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.rpc.Block;
import org.dstack4j.chain.rpc.BlockRef;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.chain.rpc.Receipt;
import org.dstack4j.chain.rpc.RpcError;
import org.dstack4j.chain.rpc.RpcException;

/**
 * Sends EIP-1559 transactions from one key: nonce from the node's pending count (and a local counter,
 * so back-to-back sends do not collide), gas from {@code eth_estimateGas} plus a margin, fees from the
 * latest base fee and the median recent priority fee; then waits for the receipt until a deadline.
 * A gas estimate that reverts fails before anything is sent, with the revert data.
 */
public final class TransactionSender {
    /** Default wait for a receipt. */
    public static final Duration DEFAULT_RECEIPT_DEADLINE = Duration.ofSeconds(120);

    private final JsonRpcClient rpc;
    private final SigningKey key;
    private final BigInteger chainId;
    private final Duration receiptDeadline;
    private final Duration pollInterval;
    private long nextNonce = -1;

    /**
     * @param chainId the chain's id (read it once with {@link JsonRpcClient#chainId()} and check it is the expected one)
     * @param receiptDeadline how long {@link #sendAndWait} waits for a receipt
     * @param pollInterval time between receipt polls
     */
    public TransactionSender(JsonRpcClient rpc, SigningKey key, BigInteger chainId, Duration receiptDeadline, Duration pollInterval) {
        this.rpc = rpc;
        this.key = key;
        this.chainId = chainId;
        this.receiptDeadline = receiptDeadline;
        this.pollInterval = pollInterval;
    }

    /** The sending account. */
    public Address from() {
        return key.address();
    }

    /** The client used. */
    public JsonRpcClient rpc() {
        return rpc;
    }

    /** Sends a call to {@code to} (or a deployment when empty) and returns its hash without waiting. */
    public synchronized byte[] send(Optional<Address> to, byte[] data, BigInteger value) throws RpcException, TransactionFailedException {
        BigInteger gas;
        try {
            gas = rpc.estimateGas(key.address(), to, data, value);
        } catch (RpcException e) {
            if (e.error() instanceof RpcError.Remote r) {
                throw new TransactionFailedException("the transaction would revert (gas estimate failed: " + r.message() + ")",
                        Optional.empty(), r.revertData());
            }
            throw e;
        }
        // 20% margin: the estimate is at the head; state may move before inclusion
        long gasLimit = gas.multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN).longValueExact() + 10_000;
        Block head = rpc.block(BlockRef.LATEST).orElseThrow(() -> new RpcException(
                new RpcError.Malformed(rpc.endpoint(), "eth_getBlockByNumber", "no latest block")));
        BigInteger baseFee = head.baseFeePerGas().orElse(BigInteger.ZERO);
        BigInteger tip = priorityFee();
        // twice the base fee survives six full blocks of +12.5% each
        BigInteger maxFee = baseFee.shiftLeft(1).add(tip);
        long pending = rpc.transactionCount(key.address(), BlockRef.PENDING);
        long nonce = Math.max(pending, nextNonce);
        Eip1559Transaction tx = new Eip1559Transaction(chainId, nonce, tip, maxFee, gasLimit, to, value, data);
        SignedTransaction signed = tx.sign(key);
        byte[] hash = rpc.sendRawTransaction(signed.raw());
        if (!java.util.Arrays.equals(hash, signed.hash())) {
            throw new RpcException(new RpcError.Malformed(rpc.endpoint(), "eth_sendRawTransaction",
                    "the node returned hash " + Hex.data(hash) + " for transaction " + Hex.data(signed.hash())));
        }
        nextNonce = nonce + 1;
        return hash;
    }

    /** Sends and waits for the receipt; a reverted or unmined transaction is a {@link TransactionFailedException}. */
    public Receipt sendAndWait(Optional<Address> to, byte[] data, BigInteger value) throws RpcException, TransactionFailedException {
        byte[] hash = send(to, data, value);
        Receipt r = waitForReceipt(hash, receiptDeadline);
        if (!r.success()) {
            throw new TransactionFailedException("transaction " + Hex.data(hash) + " reverted in block " + r.blockNumber(),
                    Optional.of(r), Optional.empty());
        }
        return r;
    }

    /** Polls for the receipt of {@code txHash} until {@code deadline} has passed. */
    public Receipt waitForReceipt(byte[] txHash, Duration deadline) throws RpcException, TransactionFailedException {
        Instant end = Instant.now().plus(deadline);
        while (true) {
            Optional<Receipt> r = rpc.receipt(txHash);
            if (r.isPresent()) {
                return r.get();
            }
            if (Instant.now().isAfter(end)) {
                throw new TransactionFailedException("transaction " + Hex.data(txHash) + " was not mined within "
                        + deadline.toSeconds() + " s; it may still be pending (raise the fee or wait)", Optional.empty(), Optional.empty());
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RpcException(new RpcError.Transport(rpc.endpoint(), "eth_getTransactionReceipt", "interrupted"), e);
            }
        }
    }

    private BigInteger priorityFee() throws RpcException {
        try {
            var h = rpc.feeHistory(5, BlockRef.LATEST, 50.0);
            BigInteger max = BigInteger.ZERO;
            for (var row : h.reward()) {
                for (BigInteger v : row) {
                    max = max.max(v);
                }
            }
            // at least 1 gwei... unless the chain charges none (anvil's default tip is 1 gwei anyway)
            return max.max(BigInteger.valueOf(1_000_000_000L));
        } catch (RpcException e) {
            if (e.error() instanceof RpcError.Remote) {
                return BigInteger.valueOf(1_000_000_000L); // node without eth_feeHistory
            }
            throw e;
        }
    }
}
