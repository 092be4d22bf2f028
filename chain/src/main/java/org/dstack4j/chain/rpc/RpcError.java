package org.dstack4j.chain.rpc;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a JSON-RPC call failed. {@code endpoint} is always the redacted form (scheme, host and port only:
 * provider URLs often carry an API key in the path or query).
 */
public sealed interface RpcError {
    /** One line for people: what failed, where, and what to do. */
    String describe();

    /** The connection failed (refused, reset, TLS, DNS). */
    record Transport(String endpoint, String method, String reason) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " failed: " + reason + "; check that the RPC endpoint is up and reachable";
        }
    }

    /** No complete answer within the deadline (headers and body together). */
    record Timeout(String endpoint, String method, Duration limit) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " got no complete answer within " + limit.toMillis() + " ms";
        }
    }

    /** A non-200 HTTP status. */
    record HttpStatus(String endpoint, String method, int status) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " answered HTTP " + status;
        }
    }

    /** The answer was larger than the client's cap. */
    record TooLarge(String endpoint, String method, long limitBytes) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " answered more than " + limitBytes + " bytes (the cap); narrow the query";
        }
    }

    /** The answer is not the JSON-RPC 2.0 response expected (bad JSON, wrong id, wrong shape). */
    record Malformed(String endpoint, String method, String reason) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " answered something that is not a valid response: " + reason;
        }
    }

    /**
     * Several endpoints were asked the same thing and fewer than the quorum agreed: at least one of
     * them lies or lags. {@code endpoints} lists the redacted endpoints asked.
     */
    record Disagreement(String endpoints, String method, String detail) implements RpcError {
        @Override
        public String describe() {
            return method + ": the RPC endpoints " + endpoints + " do not agree (" + detail + "); one of them lies or lags";
        }
    }

    /**
     * The node answered with a JSON-RPC error object. {@code revertData} holds the ABI-encoded revert
     * reason (custom error) when the node reports a revert.
     */
    record Remote(String endpoint, String method, long code, String message, Optional<byte[]> revertData) implements RpcError {
        @Override
        public String describe() {
            return method + " to " + endpoint + " returned error " + code + ": " + message;
        }
    }
}
