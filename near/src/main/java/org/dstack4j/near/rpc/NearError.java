package org.dstack4j.near.rpc;

import java.time.Duration;
import org.dstack4j.sdk.TerminalText;

/** Why a NEAR RPC call failed; {@link #describe()} is one line naming the endpoint (host and port only) and the call. */
public sealed interface NearError {
    String describe();

    /** Connection refused, reset, DNS, TLS. */
    record Transport(String endpoint, String call, String reason) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " unreachable for " + call + " (" + TerminalText.escape(reason) + "); check --near-rpc";
        }
    }

    /** No complete answer within the deadline. */
    record Timeout(String endpoint, String call, Duration after) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " did not answer " + call + " within " + after.toMillis() + " ms";
        }
    }

    /** The answer exceeded the size cap. */
    record TooLarge(String endpoint, String call, long cap) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " answered " + call + " with more than " + cap + " bytes";
        }
    }

    /** HTTP status other than 200. */
    record HttpStatus(String endpoint, String call, int status) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " answered " + call + " with HTTP " + status;
        }
    }

    /** Not JSON-RPC, or not the shape the protocol documents. */
    record Malformed(String endpoint, String call, String reason) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " sent a malformed answer to " + call + ": " + reason;
        }
    }

    /** A JSON-RPC error object (e.g. UNKNOWN_ACCOUNT, UNKNOWN_ACCESS_KEY, INVALID_TRANSACTION). */
    record Remote(String endpoint, String call, String name, String message) implements NearError {
        public String describe() {
            return "NEAR RPC " + endpoint + " refused " + call + ": " + TerminalText.escape(name) + (message.isEmpty() ? "" : " (" + TerminalText.escape(message) + ")");
        }
    }

    /** The contract panicked or the method does not exist; {@code message} is the node's text, escaped when shown. */
    record ContractError(String contract, String method, String message) implements NearError {
        public String describe() {
            return "contract " + contract + " failed in " + method + ": " + TerminalText.escape(message);
        }
    }

    /** A sent transaction executed and failed. */
    record TransactionFailed(String txHash, String method, String failure) implements NearError {
        public String describe() {
            return "transaction " + txHash + " (" + method + ") failed: " + TerminalText.escape(failure);
        }
    }
}
