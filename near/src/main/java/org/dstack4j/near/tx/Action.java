package org.dstack4j.near.tx;

import java.math.BigInteger;

/** A transaction action; only the kinds an operator's votes need (borsh enum indices from nearcore's {@code Action}). */
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

    /** Transfers {@code deposit} yoctoNEAR. */
    record Transfer(BigInteger deposit) implements Action {
        @Override
        public void writeTo(Borsh b) {
            b.u8(3).u128(deposit);
        }
    }
}
