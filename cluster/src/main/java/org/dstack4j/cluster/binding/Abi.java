package org.dstack4j.cluster.binding;

import java.math.BigInteger;

/** Conversions to headlong's ABI values. */
final class Abi {
    private Abi() {}

    static com.esaulpaugh.headlong.abi.Address address(Address a) {
        return com.esaulpaugh.headlong.abi.Address.wrap(
                com.esaulpaugh.headlong.abi.Address.toChecksumAddress(new BigInteger(1, a.bytes())));
    }
}
