package org.dstack4j.e2e;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;
import org.dstack4j.sdk.EventLogEntry;

/**
 * Independent re-implementations (not the agent's or the SDK's code) of what a verifier computes
 * from the agent's answers: the quote's RTMR3, the RTMR3 replay of an event log, and secp256k1
 * public-key recovery for dstack's KMS signature chains.
 */
final class AgentEvidence {
    /** rt_mr3 offset in a TDX quote v4: header 48 + body offset 472. */
    static final int QUOTE_RTMR3_OFFSET = 520;
    private static final X9ECParameters K1 = CustomNamedCurves.getByName("secp256k1");

    private AgentEvidence() {}

    /** The 48-byte RTMR3 of a TDX quote v4. */
    static byte[] quoteRtmr3(byte[] quote) {
        if (quote.length < 632 || (quote[0] & 0xff) != 4) {
            throw new AssertionError("not a TDX quote v4 (" + quote.length + " bytes, version " + (quote[0] & 0xff) + ")");
        }
        return Arrays.copyOfRange(quote, QUOTE_RTMR3_OFFSET, QUOTE_RTMR3_OFFSET + 48);
    }

    /**
     * RTMR3 from 48 zero bytes over the log's imr-3 events, each digest recomputed as
     * {@code SHA-384(u32_le(event_type) ‖ ":" ‖ event ‖ ":" ‖ payload)} (logged digests ignored).
     */
    static byte[] replayRtmr3(List<EventLogEntry> log) {
        byte[] mr = new byte[48];
        for (EventLogEntry e : log) {
            if (e.imr() != 3) continue;
            ByteArrayOutputStream pre = new ByteArrayOutputStream();
            pre.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) e.eventType()).array());
            pre.write(':');
            pre.writeBytes(e.event().getBytes(StandardCharsets.UTF_8));
            pre.write(':');
            pre.writeBytes(e.payloadBytes());
            byte[] digest = sha384(pre.toByteArray());
            byte[] both = Arrays.copyOf(mr, 96);
            System.arraycopy(digest, 0, both, 48, 48);
            mr = sha384(both);
        }
        return mr;
    }

    /** Ethereum's Keccak-256. */
    static byte[] keccak256(byte[] data) {
        KeccakDigest k = new KeccakDigest(256);
        k.update(data, 0, data.length);
        byte[] out = new byte[32];
        k.doFinal(out, 0);
        return out;
    }

    /**
     * Recovers the signer of a recoverable secp256k1 signature.
     *
     * @param sig65  {@code r ‖ s ‖ v}, v in {0, 1} (27/28 accepted)
     * @param hash32 the signed 32-byte hash
     * @return the SEC1 compressed public key, 33 bytes
     */
    static byte[] recoverK256(byte[] sig65, byte[] hash32) {
        if (sig65.length != 65) throw new AssertionError("recoverable signature must be 65 bytes, got " + sig65.length);
        BigInteger n = K1.getN();
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig65, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig65, 32, 64));
        int v = (sig65[64] & 0xff) % 27;
        byte[] rPoint = new byte[33];
        rPoint[0] = (byte) (0x02 + (v & 1));
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, r), 0, rPoint, 1, 32);
        ECPoint bigR = K1.getCurve().decodePoint(rPoint);
        BigInteger rInv = r.modInverse(n);
        BigInteger e = new BigInteger(1, hash32);
        // Q = r^-1 (s·R − e·G)
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(bigR, s.multiply(rInv).mod(n), K1.getG(),
                e.negate().mod(n).multiply(rInv).mod(n));
        return q.normalize().getEncoded(true);
    }

    /**
     * Walks dstack's KMS chain {@code [keySignature, kmsSignature]}: the app key signed
     * {@code Keccak-256("{purpose}:{hex(derivedPublicKey)}")}, the KMS root signed
     * {@code Keccak-256("dstack-kms-issued:" ‖ app_id ‖ app_pubkey_sec1)}.
     *
     * @return {@code [appPublicKey, kmsRootPublicKey]}, each SEC1 compressed
     */
    static byte[][] walkChain(String purpose, byte[] derivedPublicKey, byte[] keySignature, byte[] kmsSignature,
            byte[] appId) {
        String message = purpose + ":" + java.util.HexFormat.of().formatHex(derivedPublicKey);
        byte[] appPub = recoverK256(keySignature, keccak256(message.getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream issued = new ByteArrayOutputStream();
        issued.writeBytes("dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII));
        issued.writeBytes(appId);
        issued.writeBytes(appPub);
        return new byte[][] {appPub, recoverK256(kmsSignature, keccak256(issued.toByteArray()))};
    }

    /**
     * Walks dstack's v1 chain (docs/guest-api-v1.md): link 0 recovers to the app key from
     * {@code Keccak-256(LP("dstack-guest-v1-key-claim") ‖ LP(algorithm) ‖ LP(domain) ‖ LP(publicKey))},
     * link 1 is v0's KMS link; {@code LP(x) = u32_be(len) ‖ x}.
     *
     * @return {@code [appPublicKey, kmsRootPublicKey]}, each SEC1 compressed
     */
    static byte[][] walkV1Chain(String algorithm, String domain, byte[] publicKey, byte[] claimSignature,
            byte[] kmsSignature, byte[] appId) {
        ByteArrayOutputStream claim = new ByteArrayOutputStream();
        for (byte[] f : new byte[][] {"dstack-guest-v1-key-claim".getBytes(StandardCharsets.US_ASCII),
                algorithm.getBytes(StandardCharsets.US_ASCII), domain.getBytes(StandardCharsets.UTF_8), publicKey}) {
            claim.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(f.length).array());
            claim.writeBytes(f);
        }
        byte[] appPub = recoverK256(claimSignature, keccak256(claim.toByteArray()));
        ByteArrayOutputStream issued = new ByteArrayOutputStream();
        issued.writeBytes("dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII));
        issued.writeBytes(appId);
        issued.writeBytes(appPub);
        return new byte[][] {appPub, recoverK256(kmsSignature, keccak256(issued.toByteArray()))};
    }

    /** SEC1 compressed public key of a 32-byte secp256k1 secret. */
    static byte[] k256PublicKey(byte[] secret) {
        return K1.getG().multiply(new BigInteger(1, secret)).normalize().getEncoded(true);
    }

    /** Plain ECDSA verification of {@code r ‖ s} over a 32-byte hash with a SEC1 secp256k1 key. */
    static boolean verifyK256(byte[] publicKey, byte[] hash32, byte[] sig64) {
        ECDSASigner v = new ECDSASigner();
        v.init(false, new ECPublicKeyParameters(K1.getCurve().decodePoint(publicKey),
                new ECDomainParameters(K1.getCurve(), K1.getG(), K1.getN(), K1.getH())));
        return v.verifySignature(hash32, new BigInteger(1, Arrays.copyOf(sig64, 32)),
                new BigInteger(1, Arrays.copyOfRange(sig64, 32, 64)));
    }

    private static byte[] sha384(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-384").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
