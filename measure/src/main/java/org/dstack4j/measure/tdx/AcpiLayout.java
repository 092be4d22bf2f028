package org.dstack4j.measure.tdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.measure.MeasureInputException;

/**
 * Where QEMU put each ACPI table in its {@code etc/acpi/tables} blob (offset and length), and the two other
 * fw_cfg files TDVF measures next to it, which follow from the layout alone: the 20-byte RSDP and the 4 KiB
 * {@code etc/table-loader} command list QEMU's q35 machine writes (allocate, checksum, pointer commands).
 *
 * @param tables offset and length per signature: DSDT, FACP, APIC, MCFG, WAET, RSDT (FACS may precede them)
 */
public record AcpiLayout(Map<String, int[]> tables) {
    static final List<String> REQUIRED = List.of("DSDT", "FACP", "APIC", "MCFG", "WAET", "RSDT");
    private static final int LOADER_SIZE = 4096;
    private static final String RSDP_FILE = "etc/acpi/rsdp";
    private static final String TABLES_FILE = "etc/acpi/tables";

    public AcpiLayout {
        Map<String, int[]> copy = new LinkedHashMap<>();
        tables.forEach((k, v) -> copy.put(k, v.clone()));
        tables = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * Walks the tables blob: each table's header holds its signature and length.
     *
     * @throws MeasureInputException if a required table is missing or a length is zero
     */
    public static AcpiLayout scan(byte[] blob, String name) throws MeasureInputException {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, int[]> found = new LinkedHashMap<>();
        int off = 0;
        while (off + 8 <= blob.length) {
            String sig = new String(blob, off, 4, StandardCharsets.US_ASCII);
            long len = Integer.toUnsignedLong(b.getInt(off + 4));
            if (len == 0) break; // QEMU pads the blob with zeros after the last table
            if (off + len > blob.length) throw new MeasureInputException("ACPI tables " + name + ": table " + sig + " runs past the end");
            found.putIfAbsent(sig, new int[] {off, (int) len});
            off += (int) len;
        }
        for (String sig : REQUIRED) {
            if (!found.containsKey(sig)) throw new MeasureInputException("ACPI tables " + name + " have no " + sig + " table; pass QEMU's etc/acpi/tables blob");
        }
        return new AcpiLayout(found);
    }

    private int off(String sig) {
        return tables.get(sig)[0];
    }

    private int len(String sig) {
        return tables.get(sig)[1];
    }

    /** The RSDP QEMU writes: signature, checksum 0 (filled by the loader), OEM "BOCHS ", revision 0, RSDT offset. */
    public byte[] rsdp() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put("BOCHS ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        b.putInt(off("RSDT"));
        return b.array();
    }

    /** The {@code etc/table-loader} commands (128 bytes each), zero padded to 4 KiB. */
    public byte[] loader() {
        ByteBuffer b = ByteBuffer.allocate(LOADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        allocate(b, RSDP_FILE, 16, 2);
        allocate(b, TABLES_FILE, 64, 1);
        checksum(b, TABLES_FILE, "DSDT");
        pointer(b, TABLES_FILE, off("FACP") + 36, 4); // FACS
        pointer(b, TABLES_FILE, off("FACP") + 40, 4); // DSDT
        pointer(b, TABLES_FILE, off("FACP") + 140, 8); // X_DSDT
        checksum(b, TABLES_FILE, "FACP");
        checksum(b, TABLES_FILE, "APIC");
        checksum(b, TABLES_FILE, "MCFG");
        checksum(b, TABLES_FILE, "WAET");
        for (int entry = 36; entry <= 48; entry += 4) pointer(b, TABLES_FILE, off("RSDT") + entry, 4);
        checksum(b, TABLES_FILE, "RSDT");
        pointer(b, RSDP_FILE, 16, 4);
        command(b, 3, RSDP_FILE);
        b.putInt(8).putInt(0).putInt(20);
        b.position(b.position() + 56);
        return b.array();
    }

    private static void command(ByteBuffer b, int type, String file) {
        b.putInt(type);
        byte[] name = new byte[56];
        byte[] f = file.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(f, 0, name, 0, f.length);
        b.put(name);
    }

    private static void allocate(ByteBuffer b, String file, int alignment, int zone) {
        command(b, 1, file);
        b.putInt(alignment).put((byte) zone);
        b.position(b.position() + 63);
    }

    private void checksum(ByteBuffer b, String file, String sig) {
        command(b, 3, file);
        b.putInt(off(sig) + 9).putInt(off(sig)).putInt(len(sig));
        b.position(b.position() + 56);
    }

    private static void pointer(ByteBuffer b, String file, int offset, int size) {
        command(b, 2, file);
        byte[] pointee = new byte[56];
        byte[] f = TABLES_FILE.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(f, 0, pointee, 0, f.length);
        b.put(pointee).putInt(offset).put((byte) size);
        b.position(b.position() + 7);
    }
}
