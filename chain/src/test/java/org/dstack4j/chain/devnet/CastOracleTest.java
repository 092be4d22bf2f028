package org.dstack4j.chain.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;
import org.dstack4j.chain.abi.Abi;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.chain.tx.Eip1559Transaction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our keccak, ABI, signatures, addresses and raw transactions against Foundry's cast (independent code). */
class CastOracleTest {
    static Cast cast;
    static final SecureRandom RND = new SecureRandom();

    @BeforeAll
    static void locate() throws Exception {
        cast = Cast.locate();
    }

    @Test
    void keccakMatches() throws Exception {
        for (String s : new String[] {"", "abc", "dstack4j/cluster/join/v1", "Onboard(uint256 requestId,bytes32 sealedHash,uint64 epoch)"}) {
            assertThat(Hex.data(Keccak.keccak256(s))).isEqualTo(cast.run("keccak", s));
        }
    }

    @Test
    void randomKeysSignLikeCastAndHaveItsAddresses() throws Exception {
        for (int i = 0; i < 5; i++) {
            SigningKey k = SigningKey.random(RND);
            byte[] digest = new byte[32];
            RND.nextBytes(digest);
            String pk = Hex.data(k.privateKeyBytes());
            assertThat(cast.run("wallet", "address", "--private-key", pk)).isEqualTo(k.address().toString());
            assertThat(Hex.data(k.sign(digest).toBytes()))
                    .isEqualTo(cast.run("wallet", "sign", "--no-hash", "--private-key", pk, Hex.data(digest)));
        }
    }

    @Test
    void checksumAddressesMatch() throws Exception {
        for (int i = 0; i < 5; i++) {
            byte[] b = new byte[20];
            RND.nextBytes(b);
            Address a = new Address(b);
            assertThat(a.toString()).isEqualTo(cast.run("to-check-sum-address", a.toLowerHex()));
        }
    }

    @Test
    void abiEncodingOfTheEvidenceTupleMatches() throws Exception {
        byte[] quote = new byte[700];
        RND.nextBytes(quote);
        String log = "[{\"imr\":3,\"event\":\"compose-hash\"}]";
        String compose = "{\"name\":\"n\",\"ünïcode\":true}";
        byte[] ours = Abi.encode("(bytes,string,string)", quote, log, compose);
        assertThat(Hex.data(ours)).isEqualTo(cast.run("abi-encode", "f(bytes,string,string)", Hex.data(quote), log, compose));
        assertThat((byte[]) Abi.decode("(bytes,string,string)", ours).get(0)).isEqualTo(quote);
    }

    @Test
    void signedEip1559TransactionsAreByteForByteCasts() throws Exception {
        SigningKey k = SigningKey.random(RND);
        Address to = new Address(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
        byte[] data = new byte[37];
        RND.nextBytes(data);
        Eip1559Transaction tx = new Eip1559Transaction(BigInteger.valueOf(31337), 3, BigInteger.valueOf(1_000_000_000L),
                BigInteger.valueOf(3_000_000_000L), 50_000, Optional.of(to), BigInteger.valueOf(5), data);
        String expected = cast.run("mktx", "--private-key", Hex.data(k.privateKeyBytes()), "--chain", "31337", "--nonce", "3",
                "--gas-limit", "50000", "--priority-gas-price", "1000000000", "--gas-price", "3000000000",
                to.toString(), Hex.data(data), "--value", "5");
        assertThat(Hex.data(tx.sign(k).raw())).isEqualTo(expected);
        assertThat(Hex.data(tx.sign(k).hash())).isEqualTo(cast.run("keccak", expected));
    }
}
