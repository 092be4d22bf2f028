package org.dstack4j.near.tx;

import java.math.BigInteger;

/**
 * A transaction action (nearcore's {@code Action}, borsh enum index first). Votes use {@link FunctionCall}; the
 * others complete the v0 action set so that whole transactions of other tools (near-api-js's test vectors) encode
 * and hash the same. Public keys are Ed25519 (key type 0 + 32 bytes).
 */
public sealed interface Action {
    void writeTo(Borsh b);

    /**
     * Calls a contract method.
     *
     * @param methodName the method
     * @param args       its arguments (for the MPC contract: UTF-8 JSON)
     * @param gas        gas units (1 Tgas = 10^12)
     * @param deposit    attached yoctoNEAR
     */
    record FunctionCall(String methodName, byte[] args, long gas, BigInteger deposit) implements Action {
        public FunctionCall {
            args = args.clone();
        }

        @Override
        public byte[] args() {
            return args.clone();
        }

        @Override
        public void writeTo(Borsh b) {
            b.u8(2).string(methodName).bytes(args).u64(gas).u128(deposit);
        }
    }

    /** Creates the receiver account. */
    record CreateAccount() implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(0);
        }
    }

    /** Deploys {@code code} (wasm) to the receiver. */
    record DeployContract(byte[] code) implements Action {
        public DeployContract {
            code = code.clone();
        }

        @Override
        public byte[] code() {
            return code.clone();
        }

        @Override
        public void writeTo(Borsh b) {
            b.u8(1).bytes(code);
        }
    }

    /** Transfers {@code deposit} yoctoNEAR. */
    record Transfer(BigInteger deposit) implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(3).u128(deposit);
        }
    }

    /** Stakes {@code stake} yoctoNEAR with validator key {@code publicKey}. */
    record Stake(BigInteger stake, byte[] publicKey) implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(4).u128(stake).u8(0).fixed(publicKey, 32);
        }
    }

    /**
     * Adds an access key with nonce 0: full access when {@code receiverId} is empty, else a function-call key for
     * that receiver and methods (empty = all), with an optional allowance.
     */
    record AddKey(byte[] publicKey, java.util.Optional<String> receiverId, java.util.List<String> methodNames,
                  java.util.Optional<BigInteger> allowance) implements Action {
        public AddKey {
            methodNames = java.util.List.copyOf(methodNames);
        }

        @Override
        public void writeTo(Borsh b) {
            b.u8(5).u8(0).fixed(publicKey, 32).u64(0);
            if (receiverId.isEmpty()) {
                b.u8(1);
                return;
            }
            b.u8(0);
            if (allowance.isPresent()) b.u8(1).u128(allowance.get()); else b.u8(0);
            b.string(receiverId.get()).u32(methodNames.size());
            methodNames.forEach(b::string);
        }
    }

    /** Deletes access key {@code publicKey}. */
    record DeleteKey(byte[] publicKey) implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(6).u8(0).fixed(publicKey, 32);
        }
    }

    /** Deletes the receiver account, sending its balance to {@code beneficiaryId}. */
    record DeleteAccount(String beneficiaryId) implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(7).string(beneficiaryId);
        }
    }
}
