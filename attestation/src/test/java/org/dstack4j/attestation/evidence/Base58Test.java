package org.dstack4j.attestation.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base58Test {
    private static final HexFormat HEX = HexFormat.of();

    /** Bitcoin Core's base58_encode_decode.json vectors. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|''",
        "61|2g",
        "626262|a3gV",
        "636363|aPEr",
        "73696d706c792061206c6f6e6720737472696e67|2cFupjhnEsSn59qHXstmK2ffpLv2",
        "00eb15231dfceb60925886b67d065299925915aeb172c06647|1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
        "516b6fcd0f|ABnLTmg",
        "bf4f89001e670274dd|3SEo3LWLoPntC",
        "572e4794|3EFU7m",
        "ecac89cad93923c02321|EJDM8drfXA6uyA",
        "10c8511e|Rt5zm",
        "00000000000000000000|1111111111"})
    void bitcoinVectors(String hex, String b58) {
        assertThat(HEX.formatHex(Base58.decode(b58))).isEqualTo(hex);
        assertThat(Base58.encode(HEX.parseHex(hex))).isEqualTo(b58);
    }

    @Test
    void leadingOnesAreLeadingZeroBytes() {
        assertThat(Base58.decode("1")).containsExactly(0);
        assertThat(Base58.decode("11")).containsExactly(0, 0);
        assertThat(Base58.decode("112")).containsExactly(0, 0, 1);
        assertThat(Base58.decode("1z")).containsExactly(0, 57);
        // a value whose top bit is set must not gain BigInteger's sign byte
        assertThat(Base58.decode("5Q")).containsExactly(0xff);
        assertThat(Base58.decode("15Q")).containsExactly(0, 0xff);
        assertThat(Base58.encode(new byte[] {0, 0, (byte) 0xff})).isEqualTo("115Q");
    }

    @Test
    void roundTripsRandomBytesIncludingZeroPrefixes() {
        Random rnd = new Random(58);
        for (int i = 0; i < 500; i++) {
            byte[] b = new byte[rnd.nextInt(40)];
            rnd.nextBytes(b);
            int zeros = rnd.nextInt(4);
            for (int z = 0; z < Math.min(zeros, b.length); z++) b[z] = 0;
            assertThat(Base58.decode(Base58.encode(b))).as(HEX.formatHex(b)).isEqualTo(b);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "O", "I", "l", "abc0", "ab+c", "a b", "é", "ab\u0000", "2g=", "-2g"})
    void rejectsCharactersOutsideTheAlphabetNamingThePosition(String text) {
        int bad = 0;
        while (bad < text.length() && Base58.ALPHABET.indexOf(text.charAt(bad)) >= 0) bad++;
        String at = "position " + bad;
        assertThatThrownBy(() -> Base58.decode(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid base58 character").hasMessageContaining(at);
    }

    @Test
    void rejectsOverlongText() {
        assertThat(Base58.decode("2".repeat(Base58.MAX_LENGTH))).isNotEmpty();
        assertThatThrownBy(() -> Base58.decode("2".repeat(Base58.MAX_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most " + Base58.MAX_LENGTH);
    }
}
