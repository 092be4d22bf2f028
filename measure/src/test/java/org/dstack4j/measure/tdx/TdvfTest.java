package org.dstack4j.measure.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.dstack4j.measure.Fixtures;
import org.dstack4j.measure.MeasureInputException;
import org.junit.jupiter.api.Test;

class TdvfTest {
    private static final HexFormat HEX = HexFormat.of();

    private static Tdvf debian() throws MeasureInputException {
        return Tdvf.parse(DebianOvmf.read(DebianOvmf.OVMF_FD), "OVMF.fd");
    }

    @Test
    void debianOvmfHasTheTdvfMemoryLayoutOfDstacksFirmware() throws Exception {
        List<String> ours = new ArrayList<>();
        for (TdvfSection s : debian().sections()) {
            if (s.type() == TdvfSection.TYPE_TD_HOB || s.type() == TdvfSection.TYPE_TEMP_MEM) {
                ours.add(s.typeName() + " " + s.memoryAddress() + " " + s.memoryDataSize());
            }
        }
        List<String> dstack = new ArrayList<>();
        for (JsonNode s : Fixtures.vectors().get("tdvf_sections_common")) dstack.add(s.get(0).asText() + " " + s.get(1).asLong() + " " + s.get(2).asLong());
        assertThat(ours).containsExactlyInAnyOrderElementsOf(dstack);
    }

    @Test
    void tdHobFor64GiBIsTheMpcEventLogsFirstEvent() throws Exception {
        JsonNode first = Fixtures.prodTcbInfo().get("event_log").get(0);
        assertThat(first.get("event_type").asLong()).isEqualTo(TdxMeasurer.EV_EFI_HANDOFF_TABLES2);
        assertThat(HEX.formatHex(Sha384.of(debian().tdHob(64L << 30)))).isEqualTo(first.get("digest").asText());
        // The HOB's resource descriptors: RAM below 2 GiB and above 4 GiB, the TDVF ranges accepted.
        byte[] hob = debian().tdHob(64L << 30);
        assertThat(ByteBuffer.wrap(hob).order(ByteOrder.LITTLE_ENDIAN).getLong(48)).isEqualTo(0x809000L + hob.length + 8);
    }

    @Test
    void tdHobFor2GiBIsTheDstackFixtureWitness() throws Exception {
        JsonNode v = Fixtures.vectors().get("dstack_0_6_0_fixture_2vcpu_2G_qemu_8_2_2");
        assertThat(HEX.formatHex(Sha384.of(debian().tdHob(2L << 30)))).isEqualTo(v.get("td_hob_digest").asText());
        assertThat(debian().tdHob(2L << 30)).isNotEqualTo(debian().tdHob(3L << 30));
    }

    /**
     * MRTD of Debian's OVMF against a second computation written independently here: it finds the TDVF
     * descriptor by scanning for its "TDVF" signature (not through the OVMF GUIDed table), decodes the section
     * table itself, builds each 128-byte MEM.PAGE.ADD / MR.EXTEND record by hand and hashes with Bouncy
     * Castle's SHA-384 instead of the JDK's.
     */
    @Test
    void mrtdOfDebianOvmfEqualsAnIndependentComputation() throws Exception {
        byte[] fw = DebianOvmf.read(DebianOvmf.OVMF_FD);
        byte[] twoPass = debian().mrtd(true);
        byte[] singlePass = debian().mrtd(false);
        assertThat(twoPass).isEqualTo(independentMrtd(fw, true));
        assertThat(singlePass).isEqualTo(independentMrtd(fw, false));
        assertThat(twoPass).isNotEqualTo(singlePass);
    }

    private static byte[] independentMrtd(byte[] fw, boolean twoPass) {
        int desc = -1;
        byte[] sig = "TDVF".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + 16 <= fw.length; i += 4) {
            if (Arrays.equals(fw, i, i + 4, sig, 0, 4) && le32(fw, i + 8) == 1 && le32(fw, i + 12) > 0 && le32(fw, i + 12) < 16
                    && le32(fw, i + 4) == 16 + 32 * le32(fw, i + 12)) {
                desc = i;
                break;
            }
        }
        assertThat(desc).as("TDVF descriptor").isPositive();
        SHA384Digest sha = new SHA384Digest();
        for (int n = 0; n < le32(fw, desc + 12); n++) {
            int s = desc + 16 + 32 * n;
            long dataOff = le32(fw, s);
            long gpa = le64(fw, s + 8);
            long pages = le64(fw, s + 16) / 4096;
            long attrs = le32(fw, s + 28);
            List<byte[]> adds = new ArrayList<>();
            List<List<byte[]>> extends_ = new ArrayList<>();
            for (long p = 0; p < pages; p++) {
                adds.add((attrs & 2) == 0 ? rec("MEM.PAGE.ADD", gpa + p * 4096) : new byte[0]);
                List<byte[]> ext = new ArrayList<>();
                if ((attrs & 1) != 0) {
                    for (int c = 0; c < 16; c++) {
                        ext.add(rec("MR.EXTEND", gpa + p * 4096 + c * 256L));
                        int from = (int) (dataOff + p * 4096 + c * 256L);
                        ext.add(Arrays.copyOfRange(fw, from, from + 256));
                    }
                }
                extends_.add(ext);
            }
            if (twoPass) {
                adds.forEach(a -> sha.update(a, 0, a.length));
                extends_.forEach(l -> l.forEach(x -> sha.update(x, 0, x.length)));
            } else {
                for (int p = 0; p < pages; p++) {
                    sha.update(adds.get(p), 0, adds.get(p).length);
                    extends_.get(p).forEach(x -> sha.update(x, 0, x.length));
                }
            }
        }
        byte[] out = new byte[48];
        sha.doFinal(out, 0);
        return out;
    }

    private static byte[] rec(String op, long gpa) {
        byte[] r = new byte[128];
        byte[] name = op.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, r, 0, name.length);
        for (int i = 0; i < 8; i++) r[16 + i] = (byte) (gpa >>> (8 * i));
        return r;
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    private static long le64(byte[] b, int at) {
        return le32(b, at) | le32(b, at + 4) << 32;
    }

    @Test
    void refusesTruncatedAndNonTdxFirmware() {
        byte[] fw = DebianOvmf.read(DebianOvmf.OVMF_FD);
        assertThatThrownBy(() -> Tdvf.parse(Arrays.copyOf(fw, fw.length - 4096), "cut.fd"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("cut.fd").hasMessageContaining("truncated");
        assertThatThrownBy(() -> Tdvf.parse(Arrays.copyOf(fw, 40), "tiny.fd"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("too small");
        assertThatThrownBy(() -> Tdvf.parse(DebianOvmf.read(DebianOvmf.CODE_4M), "OVMF_CODE_4M.fd"))
                .isInstanceOf(MeasureInputException.class).hasMessageContaining("no TDX metadata");
        // A TDVF descriptor whose sections point past the end: the tail of the image cut from the front.
        byte[] shifted = Arrays.copyOfRange(fw, fw.length / 2, fw.length);
        assertThatThrownBy(() -> Tdvf.parse(shifted, "half.fd")).isInstanceOf(MeasureInputException.class).hasMessageContaining("half.fd");
    }
}
