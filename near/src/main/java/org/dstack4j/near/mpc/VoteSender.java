package org.dstack4j.near.mpc;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dstack4j.near.rpc.AccessKey;
import org.dstack4j.near.rpc.NearRpcException;
import org.dstack4j.near.tx.Action;
import org.dstack4j.near.tx.Ed25519Key;
import org.dstack4j.near.tx.Transaction;

/** Signs a {@link Vote} as one function-call transaction (300 Tgas, no deposit) and sends it, waiting for finality. */
public final class VoteSender {
    private final MpcContract contract;

    public VoteSender(MpcContract contract) {
        this.contract = contract;
    }

    /**
     * The transaction for {@code vote}, anchored at the access key's nonce + 1 and the block its answer names.
     *
     * @throws NearRpcException when the key is unknown to the account, or the RPC fails
     */
    public Transaction prepare(Vote vote, String signer, Ed25519Key key) throws NearRpcException {
        AccessKey ak = contract.rpc().accessKey(signer, key.publicKeyText());
        Action call = new Action.FunctionCall(vote.method(), vote.argsJson().getBytes(StandardCharsets.UTF_8), Vote.GAS, BigInteger.ZERO);
        return new Transaction(signer, key.publicKey(), ak.nonce() + 1, contract.account(), ak.blockHash(), List.of(call));
    }

    /** Prepares, signs and sends; returns the transaction hash (base58) once it executed successfully. */
    public String send(Vote vote, String signer, Ed25519Key key) throws NearRpcException {
        return contract.rpc().sendTransaction(prepare(vote, signer, key).sign(key), vote.method());
    }
}
