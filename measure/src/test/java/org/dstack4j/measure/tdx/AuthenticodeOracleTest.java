package org.dstack4j.measure.tdx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel's Authenticode SHA-384 against Debian's {@code osslsigncode extract-data -h sha384}, which writes the
 * SpcIndirectDataContent (holding the image digest) a signature would cover. Images end at their last section
 * and are 8-byte aligned, where every Authenticode reading agrees (dstack-mr's padding and trailing-data rules
 * only differ past that).
 */
class AuthenticodeOracleTest {
    @TempDir
    Path tmp;

    /** A well-formed PE32+ image: headers to 0x1000, {@code sections} sections of 0x1000 bytes each. */
    static byte[] pe(int sections, long seed) {
        byte[] k = new byte[0x1000 * (sections + 1)];
        new Random(seed).nextBytes(k);
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        int pe = 0x80;
        int opt = pe + 24;
        b.put(0, (byte) 'M').put(1, (byte) 'Z').putInt(0x3c, pe).putInt(pe, 0x4550).putShort(pe + 4, (short) 0x8664)
                .putShort(pe + 6, (short) sections).putShort(pe + 20, (short) 240).putShort(opt, (short) 0x20b)
                .putInt(opt + 32, 0x1000).putInt(opt + 36, 0x200).putInt(opt + 56, k.length).putInt(opt + 60, 0x1000).putInt(opt + 108, 16);
        for (int i = 0; i < 16; i++) b.putLong(opt + 112 + 8 * i, 0);
        for (int s = 0; s < sections; s++) {
            int at = opt + 240 + 40 * s;
            byte[] name = new byte[8];
            System.arraycopy((".s" + s).getBytes(StandardCharsets.US_ASCII), 0, name, 0, 3);
            b.put(at, name).putInt(at + 8, 0x1000).putInt(at + 12, 0x1000 * (s + 1)).putInt(at + 16, 0x1000).putInt(at + 20, 0x1000 * (s + 1));
        }
        return k;
    }

    @ParameterizedTest(name = "{0} sections")
    @ValueSource(ints = {1, 3})
    void ourDigestIsOsslsigncodes(int sections) throws Exception {
        byte[] image = pe(sections, sections);
        Path file = tmp.resolve("k" + sections + ".efi");
        Files.write(file, image);
        assertThat(KernelImage.authenticode(image)).isEqualTo(osslsigncodeDigest(file));
    }

    private byte[] osslsigncodeDigest(Path file) throws Exception {
        Path out = tmp.resolve(file.getFileName() + ".der");
        String bin = Files.isExecutable(Path.of("/usr/bin/osslsigncode")) ? "/usr/bin/osslsigncode" : "osslsigncode";
        Process p = new ProcessBuilder(bin, "extract-data", "-h", "sha384", "-in", file.toString(), "-out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("osslsigncode (Debian package osslsigncode): " + log).isZero();
        List<byte[]> digests = new ArrayList<>();
        try (ASN1InputStream in = new ASN1InputStream(Files.readAllBytes(out))) {
            collect(in.readObject(), digests);
        }
        assertThat(digests).as("48-byte digests in the SpcIndirectDataContent").hasSize(1);
        return digests.get(0);
    }

    private static void collect(ASN1Primitive o, List<byte[]> out) {
        if (o instanceof ASN1OctetString s && s.getOctets().length == 48) out.add(s.getOctets());
        if (o instanceof ASN1Sequence seq) seq.forEach(e -> collect(e.toASN1Primitive(), out));
        if (o instanceof org.bouncycastle.asn1.ASN1Set set) set.forEach(e -> collect(e.toASN1Primitive(), out));
        if (o instanceof ASN1TaggedObject t) collect(t.getBaseObject().toASN1Primitive(), out);
    }
}
