package org.dstack4j.measure.tdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.dstack4j.measure.MeasureInputException;

/**
 * A TDX firmware image (OVMF built with TDX support) and its TDVF metadata, found the way QEMU finds it: the
 * OVMF GUIDed table whose footer GUID sits 32 bytes before the end of the file, in it the TDX metadata offset
 * entry, at that offset (counted back from the end) the "TDVF" descriptor and its sections.
 */
public final class Tdvf {
    static final UUID TABLE_FOOTER = UUID.fromString("96b582de-1fb2-45f7-baea-a366c55a082d");
    static final UUID TDX_METADATA_OFFSET = UUID.fromString("e47a6535-984a-4798-865e-4685a7bf8ec2");
    static final long PAGE = 0x1000;
    private static final int EXTEND_CHUNK = 0x100;
    /** Largest section accepted: MRTD hashes a record per page, so this bounds the work a bad file can cause. */
    static final long MAX_SECTION_BYTES = 1L << 30;
    /** Largest firmware accepted. */
    public static final long MAX_BYTES = 64L << 20;

    private final byte[] fw;
    private final List<TdvfSection> sections;

    private Tdvf(byte[] fw, List<TdvfSection> sections) {
        this.fw = fw;
        this.sections = List.copyOf(sections);
    }

    /** The sections, in metadata order. */
    public List<TdvfSection> sections() {
        return sections;
    }

    /**
     * Parses the metadata.
     *
     * @param name names the firmware in errors
     * @throws MeasureInputException if the file is truncated, has no OVMF table or TDX metadata, or a section is
     *                               malformed (unaligned, larger than the file)
     */
    public static Tdvf parse(byte[] fw, String name) throws MeasureInputException {
        String what = "firmware " + name;
        if (fw.length < 32 + 18) throw new MeasureInputException(what + " is " + fw.length + " bytes: too small to be an OVMF image");
        ByteBuffer le = ByteBuffer.wrap(fw).order(ByteOrder.LITTLE_ENDIAN);
        int footer = fw.length - 32;
        if (!guidAt(fw, footer - 16, TABLE_FOOTER)) {
            throw new MeasureInputException(what + " has no OVMF GUIDed table footer 32 bytes before its end (truncated, or not an OVMF "
                    + "build); pass the image's ovmf.fd");
        }
        int tablesLen = Short.toUnsignedInt(le.getShort(footer - 18));
        if (tablesLen == 0 || tablesLen > footer - 18) throw new MeasureInputException(what + " has a corrupt OVMF table length " + tablesLen);
        int tablesStart = footer - 18 - tablesLen;
        int end = footer - 18; // entries are read backwards from here: data, u16 length, GUID
        Integer metaOffset = null;
        while (end - tablesStart >= 18) {
            int entryLen = Short.toUnsignedInt(le.getShort(end - 18));
            // The table region read this way starts with the bytes before the first entry (its length counts the
            // footer too), so the walk ends at an impossible length: that is the end of the table.
            if (entryLen < 18 || entryLen > end - tablesStart) break;
            if (guidAt(fw, end - 16, TDX_METADATA_OFFSET)) {
                if (entryLen < 22) throw new MeasureInputException(what + ": the TDX metadata offset entry is too short");
                metaOffset = le.getInt(end - 22);
                break;
            }
            end -= entryLen;
        }
        if (metaOffset == null) {
            throw new MeasureInputException(what + " has no TDX metadata (no TDVF table): it is not a TDX-enabled OVMF; pass the dstack image's ovmf.fd");
        }
        long desc = (long) fw.length - Integer.toUnsignedLong(metaOffset);
        if (desc < 0 || desc + 16 > fw.length) throw new MeasureInputException(what + ": the TDVF descriptor offset points outside the file");
        int d = (int) desc;
        if (fw[d] != 'T' || fw[d + 1] != 'D' || fw[d + 2] != 'V' || fw[d + 3] != 'F') {
            throw new MeasureInputException(what + ": no \"TDVF\" descriptor at the TDX metadata offset");
        }
        int version = le.getInt(d + 8);
        long count = Integer.toUnsignedLong(le.getInt(d + 12));
        if (version != 1) throw new MeasureInputException(what + ": TDVF metadata version " + version + " is not supported (only 1)");
        if (count > 64 || d + 16 + 32 * count > fw.length) {
            throw new MeasureInputException(what + ": the TDVF descriptor lists " + count + " sections, past the end of the file");
        }
        List<TdvfSection> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int s = d + 16 + 32 * i;
            TdvfSection sec = new TdvfSection(Integer.toUnsignedLong(le.getInt(s)), Integer.toUnsignedLong(le.getInt(s + 4)),
                    le.getLong(s + 8), le.getLong(s + 16), le.getInt(s + 24), le.getInt(s + 28));
            String bad = null;
            if (sec.memoryAddress() % PAGE != 0) bad = "memory address not page aligned";
            else if (sec.memoryDataSize() % PAGE != 0 || sec.memoryDataSize() < 0) bad = "memory size not page aligned";
            else if (sec.memoryDataSize() > MAX_SECTION_BYTES) bad = "memory size " + sec.memoryDataSize() + " is over 1 GiB (no TDVF has that)";
            else if (sec.memoryDataSize() < sec.rawDataSize()) bad = "memory size smaller than its data";
            else if ((sec.attributes() & TdvfSection.ATTR_MR_EXTEND) != 0 && sec.dataOffset() + sec.memoryDataSize() > fw.length) {
                bad = "measured data runs past the end of the file (truncated firmware?)";
            }
            if (bad != null) throw new MeasureInputException(what + ": TDVF section " + i + " (" + sec.typeName() + "): " + bad);
            out.add(sec);
        }
        return new Tdvf(fw.clone(), out);
    }

    private static boolean guidAt(byte[] fw, int at, UUID guid) {
        return at >= 0 && Arrays.equals(fw, at, at + 16, Guids.bytes(guid), 0, 16);
    }

    /**
     * MRTD: SHA-384 over the TDX module's transcript of building the TD, 128-byte MEM.PAGE.ADD records for every
     * page of every section not added later (PAGE.AUG), 128-byte MR.EXTEND records plus the 256 data bytes for
     * every chunk of the MR.EXTEND sections. QEMU 8 adds all of a section's pages before extending them (two-pass);
     * QEMU 9 and later interleave per page (single-pass).
     */
    public byte[] mrtd(boolean twoPass) {
        MessageDigest md = Sha384.digest();
        for (TdvfSection s : sections) {
            long pages = s.memoryDataSize() / PAGE;
            if (twoPass) {
                for (long p = 0; p < pages; p++) pageAdd(md, s, p);
                for (long p = 0; p < pages; p++) extend(md, s, p);
            } else {
                for (long p = 0; p < pages; p++) {
                    pageAdd(md, s, p);
                    extend(md, s, p);
                }
            }
        }
        return md.digest();
    }

    private static void pageAdd(MessageDigest md, TdvfSection s, long page) {
        if ((s.attributes() & TdvfSection.ATTR_PAGE_AUG) != 0) return;
        md.update(record("MEM.PAGE.ADD", s.memoryAddress() + page * PAGE));
    }

    private void extend(MessageDigest md, TdvfSection s, long page) {
        if ((s.attributes() & TdvfSection.ATTR_MR_EXTEND) == 0) return;
        for (int i = 0; i < PAGE / EXTEND_CHUNK; i++) {
            long off = page * PAGE + (long) i * EXTEND_CHUNK;
            md.update(record("MR.EXTEND", s.memoryAddress() + off));
            md.update(fw, (int) (s.dataOffset() + off), EXTEND_CHUNK);
        }
    }

    /** The 128-byte transcript record: ASCII operation name, zero padded to 16, GPA (u64 LE), zeros. */
    private static byte[] record(String op, long gpa) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.put(op.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putLong(16, gpa);
        return b.array();
    }

    /**
     * The TD HOB list TDVF measures first into RTMR0, for {@code memoryBytes} of guest RAM: a PHIT header, then
     * one resource descriptor per memory range, accepted (type 0: the TD_HOB and TEMP_MEM sections) or not
     * (type 7), RAM above 2 GiB moved above 4 GiB once the guest has 2.75 GiB or more (QEMU's PCI hole).
     */
    public byte[] tdHob(long memoryBytes) {
        List<long[]> ranges = new ArrayList<>(); // {accepted 0/1, start, end}
        ranges.add(new long[] {0, 0, memoryBytes});
        long hobBase = 0x809000L;
        for (TdvfSection s : sections) {
            if (s.type() == TdvfSection.TYPE_TD_HOB || s.type() == TdvfSection.TYPE_TEMP_MEM) {
                ranges = accept(ranges, s.memoryAddress(), s.memoryAddress() + s.memoryDataSize());
            }
            if (s.type() == TdvfSection.TYPE_TD_HOB) hobBase = s.memoryAddress();
        }
        ByteBuffer hob = ByteBuffer.allocate(56 + 48 * (ranges.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        hob.putShort((short) 1).putShort((short) 56).putInt(0).putInt(9).putInt(0); // PHIT: type, length, reserved, version, boot mode
        hob.position(56); // memory top/bottom, free top/bottom zero; end-of-list filled below
        long[] last = ranges.remove(ranges.size() - 1);
        for (long[] r : ranges) resource(hob, r[0] == 1 ? 0 : 7, r[1], r[2] - r[1]);
        long lastStart = last[1];
        long lastEnd = last[2];
        if (memoryBytes >= 0xB000_0000L) {
            if (lastStart < 0x8000_0000L) resource(hob, 7, lastStart, 0x8000_0000L - lastStart);
            if (lastEnd > 0x8000_0000L) resource(hob, 7, 0x1_0000_0000L, lastEnd - 0x8000_0000L);
        } else {
            resource(hob, 7, lastStart, lastEnd - lastStart);
        }
        int len = hob.position();
        hob.putLong(48, hobBase + len + 8);
        return Arrays.copyOf(hob.array(), len);
    }

    private static void resource(ByteBuffer hob, int type, long start, long length) {
        hob.putShort((short) 3).putShort((short) 48).putInt(0);
        hob.put(new byte[16]); // owner GUID
        hob.put((byte) type).put(new byte[3]).putInt(7).putLong(start).putLong(length);
    }

    /** Marks [start, end) accepted, splitting the unaccepted ranges it overlaps; ranges stay sorted by start. */
    private static List<long[]> accept(List<long[]> ranges, long start, long end) {
        if (start >= end) return ranges;
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (r[0] == 1 || r[2] <= start || r[1] >= end) {
                out.add(r);
            } else {
                if (r[1] < start) out.add(new long[] {0, r[1], start});
                if (r[2] > end) out.add(new long[] {0, end, r[2]});
            }
        }
        out.add(new long[] {1, start, end});
        out.sort((a, b) -> Long.compare(a[1], b[1]));
        return out;
    }
}
