package org.dstack4j.measure.tdx;

/**
 * The three ACPI digests TDVF measures into RTMR0: {@code etc/table-loader}, the RSDP and the tables blob.
 *
 * @param layout       table offsets and lengths
 * @param tablesDigest SHA-384 of the tables blob
 * @param source       where the blob (or its digest) came from
 */
public record AcpiTables(AcpiLayout layout, byte[] tablesDigest, String source) {
    public AcpiTables {
        tablesDigest = tablesDigest.clone();
    }

    @Override
    public byte[] tablesDigest() {
        return tablesDigest.clone();
    }

    /** From QEMU's tables blob ({@code dstack-acpi-tables} output for the VM's configuration). */
    public static AcpiTables fromBlob(byte[] blob, String name) throws org.dstack4j.measure.MeasureInputException {
        return new AcpiTables(AcpiLayout.scan(blob, name), Sha384.of(blob), "tables blob " + name);
    }

    public byte[] loaderDigest() {
        return Sha384.of(layout.loader());
    }

    public byte[] rsdpDigest() {
        return Sha384.of(layout.rsdp());
    }
}
