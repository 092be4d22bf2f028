package org.dstack4j.cluster.contract;

import java.util.List;

/**
 * A decoded custom error of the contract, e.g. {@code EncKeyUsed(0x…)}.
 *
 * @param name the error's name
 * @param args its arguments as headlong decodes them (BigInteger, Long, Integer, byte[], Boolean, headlong Address)
 */
public record ContractRevert(String name, List<Object> args) {
    public ContractRevert {
        args = List.copyOf(args);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append('(');
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            sb.append(i == 0 ? "" : ", ").append(a instanceof byte[] b ? org.dstack4j.chain.Hex.data(b) : String.valueOf(a));
        }
        return sb.append(')').toString();
    }
}
