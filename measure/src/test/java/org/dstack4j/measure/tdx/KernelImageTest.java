package org.dstack4j.measure.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Random;
import org.dstack4j.measure.MeasureInputException;
import org.junit.jupiter.api.Test;

/** QEMU's setup-header patch and the Authenticode hash, on a generated bzImage-shaped PE32+ image. */
class KernelImageTest {
    static final int PE = 0x40;
    static final int OPT = PE + 24;
    static final int CHECKSUM = OPT + 64;
    static final int CERT_DIR = OPT + 112 + 32;
    static final int HEADERS = 0x400;

    /** MZ stub, PE32+ headers with one section (.text at 0x400), a Linux setup header (protocol 2.15) at 0x1f1. */
    static byte[] bzImage(int size, long seed) {
        byte[] k = new byte[size];
        new Random(seed).nextBytes(k);
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z').putInt(0x3c, PE);
        b.putInt(PE, 0x00004550);
        b.putShort(PE + 6, (short) 1); // sections
        b.putShort(PE + 20, (short) 240); // optional header size
        b.putShort(OPT, (short) 0x20b);
        b.putInt(OPT + 60, HEADERS);
        b.putInt(CERT_DIR, 0).putInt(CERT_DIR + 4, 0);
        int sec = OPT + 240;
        b.putInt(sec + 16, 0x2000).putInt(sec + 20, HEADERS); // SizeOfRawData, PointerToRawData
        b.putShort(0x206, (short) 0x20f);
        k[0x211] = 0x01; // LOADED_HIGH
        b.putShort(0x236, (short) 0); // xloadflags: no 4G initrd
        return k;
    }

    @Test
    void patchesTheSetupHeaderAsQemuDoes() throws Exception {
        byte[] k = bzImage(0x2400 + 5, 1);
        byte[] p = KernelImage.patch(k, 1_000_000, 64L << 30);
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(p[0x210]).isEqualTo((byte) 0xb0);
        assertThat(p[0x211]).isEqualTo((byte) 0x81);
        assertThat(b.getInt(0x224)).isEqualTo(0x20000 - 0x10000 - 0x200);
        assertThat(b.getInt(0x228)).isEqualTo(0x20000);
        assertThat(b.getInt(0x218)).isEqualTo((0x37ffffff - 1_000_000) & ~4095);
        assertThat(b.getInt(0x21c)).isEqualTo(1_000_000);
        // Only the setup header changes.
        for (int i = 0; i < k.length; i++) if (i < 0x210 || i >= 0x238) assertThat(p[i]).as("byte " + i).isEqualTo(k[i]);
        // A guest with less RAM than initrd_max lowers the initrd below its top.
        ByteBuffer small = ByteBuffer.wrap(KernelImage.patch(k, 1_000_000, 512L << 20)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(small.getInt(0x218)).isEqualTo(((512 << 20) - KernelImage.ACPI_DATA_SIZE - 1 - 1_000_000) & ~4095);
        assertThatThrownBy(() -> KernelImage.patch(k, 0x40000000L, 64L << 30)).isInstanceOf(MeasureInputException.class)
                .hasMessageContaining("initrd");
        assertThatThrownBy(() -> KernelImage.patch(new byte[100], 1, 64L << 30)).isInstanceOf(MeasureInputException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void authenticodeSkipsChecksumAndCertificateEntryAndPadsToEightBytes() throws Exception {
        byte[] k = bzImage(0x2400 + 5, 2);
        byte[] h = KernelImage.authenticode(k);
        MessageDigest md = MessageDigest.getInstance("SHA-384");
        md.update(k, 0, CHECKSUM);
        md.update(k, CHECKSUM + 4, CERT_DIR - CHECKSUM - 4);
        md.update(k, CERT_DIR + 8, HEADERS - CERT_DIR - 8);
        md.update(k, HEADERS, 0x2000);
        // No certificate table: the 5 + 0x400 - ... trailing bytes after the section are not hashed; padding is.
        md.update(new byte[8 - k.length % 8]);
        assertThat(h).isEqualTo(md.digest());

        byte[] c = k.clone();
        c[CHECKSUM] ^= 1;
        c[CERT_DIR + 5] ^= 1;
        assertThat(KernelImage.authenticode(c)).isEqualTo(h);
        byte[] s = k.clone();
        s[HEADERS + 100] ^= 1;
        assertThat(KernelImage.authenticode(s)).isNotEqualTo(h);
        byte[] hd = k.clone();
        hd[0x300] ^= 1;
        assertThat(KernelImage.authenticode(hd)).isNotEqualTo(h);
    }

    @Test
    void trailingDataIsHashedExceptTheCertificateTable() throws Exception {
        byte[] k = bzImage(HEADERS + 0x2000 + 64, 3);
        ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).putInt(CERT_DIR, HEADERS + 0x2000 + 16).putInt(CERT_DIR + 4, 48);
        byte[] h = KernelImage.authenticode(k);
        byte[] inCert = k.clone();
        inCert[inCert.length - 1] ^= 1;
        assertThat(KernelImage.authenticode(inCert)).isEqualTo(h);
        byte[] beforeCert = k.clone();
        beforeCert[HEADERS + 0x2000 + 3] ^= 1;
        assertThat(KernelImage.authenticode(beforeCert)).isNotEqualTo(h);
    }

    @Test
    void refusesNonPeImages() {
        byte[] k = bzImage(0x2400, 4);
        k[PE] = 0;
        assertThatThrownBy(() -> KernelImage.authenticode(k)).isInstanceOf(MeasureInputException.class).hasMessageContaining("PE");
        byte[] t = bzImage(0x2400, 5);
        ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN).putInt(0x3c, 0x7fff0000);
        assertThatThrownBy(() -> KernelImage.authenticode(t)).isInstanceOf(MeasureInputException.class);
    }
}
