package org.dstack4j.near.mpc;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One vote: a change method of the MPC contract and its JSON arguments, exactly as sent.
 *
 * @param method e.g. {@code vote_code_hash}
 * @param args   the arguments object
 */
public record Vote(String method, ObjectNode args) {
    /** Gas attached to a vote: 300 Tgas, the protocol's maximum for one call. */
    public static final long GAS = 300_000_000_000_000L;

    public Vote {
        args = args.deepCopy();
    }

    @Override
    public ObjectNode args() {
        return args.deepCopy();
    }

    /** The arguments as compact JSON (the bytes sent). */
    public String argsJson() {
        return args.toString();
    }

    /**
     * The same call with near-cli-rs ({@code near contract call-function as-transaction …}), shell-quoted.
     *
     * @param contract the contract account
     * @param signer   the voting account
     * @param network  {@code mainnet} or {@code testnet} (near-cli-rs's network-config name)
     */
    public String nearCommand(String contract, String signer, String network) {
        return "near contract call-function as-transaction " + contract + " " + method + " json-args "
                + shellQuote(argsJson()) + " prepaid-gas '300.0 Tgas' attached-deposit '0 NEAR' sign-as " + signer
                + " network-config " + network + " sign-with-keychain send";
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
