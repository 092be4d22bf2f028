package org.dstack4j.chain.eip712;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Words;
import org.dstack4j.chain.crypto.Secp256k1;
import org.dstack4j.chain.crypto.Signature;
import org.dstack4j.chain.crypto.SigningKey;
import org.junit.jupiter.api.Test;

/** EIP-712's own worked example ("Ether Mail"), with its published hashes and signature. */
class Eip712Test {
    static final String PERSON = "Person(string name,address wallet)";
    static final String MAIL = "Mail(Person from,Person to,string contents)" + PERSON;

    static byte[] person(String name, String wallet) {
        return Eip712.hashStruct(PERSON, Keccak.keccak256(name), Words.address(Address.parse(wallet)));
    }

    @Test
    void etherMailExampleMatchesTheEip() {
        Eip712Domain domain = new Eip712Domain("Ether Mail", "1", BigInteger.ONE,
                Address.parse("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"));
        assertThat(Hex.data(domain.separator()))
                .isEqualTo("0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
        byte[] mail = Eip712.hashStruct(MAIL,
                person("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"),
                person("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"),
                Keccak.keccak256("Hello, Bob!"));
        assertThat(Hex.data(mail)).isEqualTo("0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
        byte[] digest = domain.digest(mail);
        assertThat(Hex.data(digest)).isEqualTo("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

        SigningKey cow = SigningKey.of(Keccak.keccak256("cow"));
        assertThat(cow.address()).isEqualTo(Address.parse("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"));
        Signature sig = cow.sign(digest);
        assertThat(sig.v()).isEqualTo(28);
        assertThat(Hex.data(Hex.word(sig.r()))).isEqualTo("0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d");
        assertThat(Hex.data(Hex.word(sig.s()))).isEqualTo("0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562");
        assertThat(Secp256k1.recoverAddress(digest, sig)).contains(cow.address());
    }
}
