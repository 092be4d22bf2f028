package org.dstack4j.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeccakAddressTest {
    @Test
    void keccakOfEmptyAndOfTextAreEthereumsNotSha3() {
        assertThat(Hex.data(Keccak.keccak256(new byte[0])))
                .isEqualTo("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        // the selector of transfer(address,uint256)
        assertThat(Hex.data(Keccak.keccak256("transfer(address,uint256)")).substring(0, 10)).isEqualTo("0xa9059cbb");
        assertThat(Keccak.keccak256("ab".getBytes(), "c".getBytes())).isEqualTo(Keccak.keccak256("abc"));
    }

    // EIP-55's own test vectors
    @ParameterizedTest
    @ValueSource(strings = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"})
    void eip55RoundTrips(String checksummed) {
        assertThat(Address.parse(checksummed).toString()).isEqualTo(checksummed);
        assertThat(Address.parse(checksummed.toLowerCase()).toString()).isEqualTo(checksummed);
        assertThat(Address.parse("0x" + checksummed.substring(2).toUpperCase()).toString()).isEqualTo(checksummed);
    }

    @Test
    void aMixedCaseTypoIsRefused() {
        assertThatThrownBy(() -> Address.parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum")
                .hasMessageContaining("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assertThatThrownBy(() -> Address.parse("0x1234")).hasMessageContaining("40 hex digits");
        assertThatThrownBy(() -> Address.parse("0xzz" + "0".repeat(38))).hasMessageContaining("40 hex digits");
    }

    @Test
    void addressWordsArePaddedAndStrict() {
        Address a = Address.parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assertThat(Address.ofWord(a.word())).isEqualTo(a);
        byte[] dirty = a.word();
        dirty[0] = 1;
        assertThatThrownBy(() -> Address.ofWord(dirty)).hasMessageContaining("high 12 bytes");
        assertThat(a.toBigInteger()).isEqualTo(new BigInteger("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", 16));
    }

    @Test
    void quantitiesAndData() {
        assertThat(Hex.quantity(0)).isEqualTo("0x0");
        assertThat(Hex.quantity(26)).isEqualTo("0x1a");
        assertThat(Hex.decodeQuantity("0x1a")).isEqualTo(BigInteger.valueOf(26));
        assertThatThrownBy(() -> Hex.decodeQuantity("1a")).hasMessageContaining("quantity");
        assertThatThrownBy(() -> Hex.decodeQuantity("0x")).hasMessageContaining("quantity");
        assertThatThrownBy(() -> Hex.decode("0xabc")).hasMessageContaining("even number");
        assertThatThrownBy(() -> Hex.decode("0xab", 32, "block hash")).hasMessageContaining("block hash must be 32 bytes");
        assertThat(Hex.word(BigInteger.ONE)).hasSize(32).endsWith((byte) 1);
        assertThatThrownBy(() -> Hex.word(BigInteger.ONE.shiftLeft(256))).hasMessageContaining("uint256");
    }
}
