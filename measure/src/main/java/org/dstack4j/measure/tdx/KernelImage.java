package org.dstack4j.measure.tdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.dstack4j.measure.MeasureInputException;

/**
 * The kernel as TDVF measures it into RTMR1: QEMU first patches the bzImage setup header for direct boot
 * (loader type, heap end, command line address, initrd address and size), then TDVF hashes the patched PE
 * image the Authenticode way (SHA-384, skipping the checksum and certificate table entry).
 */
final class KernelImage {
    /** QEMU reserves this much below 4 GiB for ACPI data when placing the initrd (dstack-mr's constant). */
    static final int ACPI_DATA_SIZE = 0x28000;

    private KernelImage() {}

    /**
     * The setup header as QEMU's x86 direct-boot loader leaves it.
     *
     * @throws MeasureInputException if the image is too short, too old for an initrd, or the initrd does not fit
     */
    static byte[] patch(byte[] kernel, long initrdSize, long memoryBytes) throws MeasureInputException {
        if (kernel.length < 0x1000) throw new MeasureInputException("kernel is " + kernel.length + " bytes: too short to be a bzImage");
        byte[] k = kernel.clone();
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        int protocol = Short.toUnsignedInt(b.getShort(0x206));
        boolean high = protocol >= 0x200 && (k[0x211] & 0x01) != 0;
        long realAddr = high ? 0x10000 : 0x90000;
        long cmdlineAddr = high ? 0x20000 : 0x9a000;
        if (protocol >= 0x200) k[0x210] = (byte) 0xb0; // type_of_loader: QEMU
        if (protocol >= 0x201) {
            k[0x211] |= (byte) 0x80; // CAN_USE_HEAP
            b.putInt(0x224, (int) Math.max(0, cmdlineAddr - realAddr - 0x200));
        }
        if (protocol >= 0x202) {
            b.putInt(0x228, (int) cmdlineAddr);
        } else {
            b.putShort(0x20, (short) 0xa33f);
            b.putShort(0x22, (short) (cmdlineAddr - realAddr));
        }
        if (initrdSize > 0) {
            if (protocol < 0x200) throw new MeasureInputException("the kernel's boot protocol is too old for an initrd");
            long initrdMax;
            if (protocol >= 0x20c) {
                initrdMax = (Short.toUnsignedInt(b.getShort(0x236)) & 0x40) != 0 ? 0xffffffffL : 0x37ffffffL;
            } else if (protocol >= 0x203) {
                long max = Integer.toUnsignedLong(b.getInt(0x22c));
                initrdMax = max == 0 ? 0x37ffffffL : max;
            } else {
                initrdMax = 0x37ffffffL;
            }
            long lowmem = memoryBytes < 0xb0000000L ? 0xb0000000L : 0x80000000L;
            long below4g = memoryBytes >= lowmem ? lowmem : memoryBytes & 0xffffffffL;
            if (below4g < ACPI_DATA_SIZE) throw new MeasureInputException("memory is too small for QEMU's ACPI data");
            long available = below4g - ACPI_DATA_SIZE;
            if (initrdMax >= available) initrdMax = Math.max(0, available - 1);
            if (initrdSize >= initrdMax) throw new MeasureInputException("the initrd (" + initrdSize + " bytes) does not fit below " + initrdMax);
            long addr = (initrdMax - initrdSize) & ~4095L;
            b.putInt(0x218, (int) addr);
            b.putInt(0x21c, (int) initrdSize);
        }
        return k;
    }

    /**
     * Authenticode digest (SHA-384) of a PE/COFF image: headers without the checksum and the certificate table
     * directory entry, sections in file order, bytes after the sections except the certificate table, padded
     * with zeros to a multiple of 8 (as TDVF's loader hashes a bzImage's EFI stub).
     *
     * @throws MeasureInputException if the image is not PE/COFF
     */
    static byte[] authenticode(byte[] pe) throws MeasureInputException {
        ByteBuffer b = ByteBuffer.wrap(pe).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int peOff = b.getInt(0x3c);
            if (peOff < 0 || b.getInt(peOff) != 0x00004550) throw new MeasureInputException("the kernel is not a PE/COFF image (no PE signature); pass a bzImage with an EFI stub");
            int coff = peOff + 4;
            int sections = Short.toUnsignedInt(b.getShort(coff + 2));
            int optSize = Short.toUnsignedInt(b.getShort(coff + 16));
            int opt = coff + 20;
            boolean pe32plus = Short.toUnsignedInt(b.getShort(opt)) == 0x20b;
            int checksum = opt + 64;
            int certDir = opt + (pe32plus ? 112 : 96) + 4 * 8;
            int headers = b.getInt(opt + 60);
            if (headers < certDir + 8 || headers > pe.length) throw new MeasureInputException("the kernel's PE SizeOfHeaders " + headers + " is invalid");
            MessageDigest md = Sha384.digest();
            md.update(pe, 0, checksum);
            md.update(pe, checksum + 4, certDir - checksum - 4);
            md.update(pe, certDir + 8, headers - certDir - 8);
            long hashed = headers;
            List<long[]> raw = new ArrayList<>();
            int table = opt + optSize;
            for (int i = 0; i < sections; i++) {
                int s = table + 40 * i;
                long size = Integer.toUnsignedLong(b.getInt(s + 16));
                long ptr = Integer.toUnsignedLong(b.getInt(s + 20));
                if (size > 0) raw.add(new long[] {ptr, size});
            }
            raw.sort(Comparator.comparingLong(r -> r[0]));
            for (long[] r : raw) {
                long start = r[0];
                long end = Math.min(start + r[1], pe.length);
                if (end > start) md.update(pe, (int) start, (int) (end - start));
                hashed += r[1];
            }
            long certAddr = Integer.toUnsignedLong(b.getInt(certDir));
            long certSize = Integer.toUnsignedLong(b.getInt(certDir + 4));
            if (certAddr > 0 && certSize > 0 && pe.length > hashed) {
                long trailing = pe.length - hashed;
                if (trailing > certSize) {
                    long len = trailing - certSize;
                    if (hashed + len <= pe.length) md.update(pe, (int) hashed, (int) len);
                }
            }
            if (pe.length % 8 != 0) md.update(new byte[8 - pe.length % 8]);
            return md.digest();
        } catch (IndexOutOfBoundsException e) {
            throw new MeasureInputException("the kernel's PE headers point outside the file (truncated bzImage?)", e);
        }
    }
}
