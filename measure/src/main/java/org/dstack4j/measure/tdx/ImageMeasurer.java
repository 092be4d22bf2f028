package org.dstack4j.measure.tdx;

import java.nio.file.Path;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.image.OsImage;

/** Measures a dstack OS image directory as {@code dstack-mr measure -c CPUS -m MEMORY metadata.json} does. */
public final class ImageMeasurer {
    static final long MAX_KERNEL_BYTES = 256L << 20;

    private ImageMeasurer() {}

    /** Where the ACPI tables come from. */
    public sealed interface AcpiSource {
        /** QEMU's {@code etc/acpi/tables} blob in a file. */
        record BlobFile(Path file) implements AcpiSource {}

        /** A shipped {@link AcpiProfile}. */
        record Profile(String name) implements AcpiSource {}
    }

    /**
     * Measures.
     *
     * @param metadata    the image's metadata.json; the files it names are read from {@code imageDir}
     * @param imageDir    the directory of bios/kernel/initrd (metadata.json's directory when null)
     * @param cpus        vCPUs, at least 1
     * @param memoryBytes guest RAM, a whole number of MiB, at least 64 MiB
     * @param qemu        host QEMU version
     * @throws MeasureInputException on any unusable input, naming it
     */
    public static Measurement measure(Path metadata, Path imageDir, int cpus, long memoryBytes, QemuVersion qemu, AcpiSource acpi)
            throws MeasureInputException {
        if (cpus < 1 || cpus > 1024) throw new MeasureInputException("--cpus must be between 1 and 1024, got " + cpus);
        if (memoryBytes < (64L << 20) || memoryBytes % (1L << 20) != 0) {
            throw new MeasureInputException("--memory must be a whole number of MiB, at least 64M, got " + memoryBytes + " bytes");
        }
        AcpiTables tables = switch (acpi) {
            case AcpiSource.BlobFile f -> AcpiTables.fromBlob(InputFiles.read(f.file(), "ACPI tables", 16L << 20), f.file().toString());
            case AcpiSource.Profile p -> AcpiProfile.named(p.name()).orElseThrow(() -> new MeasureInputException("--acpi-profile "
                    + p.name() + " is unknown; shipped: " + String.join(", ", AcpiProfile.all().stream().map(AcpiProfile::name).toList())))
                    .tablesFor(cpus, memoryBytes, qemu);
        };
        OsImage.Metadata meta = OsImage.metadata(metadata);
        Path dir = imageDir != null ? imageDir : metadata.toAbsolutePath().getParent();
        Path bios = dir.resolve(meta.bios());
        Tdvf fw = Tdvf.parse(InputFiles.read(bios, "firmware", Tdvf.MAX_BYTES), bios.toString());
        byte[] kernel = InputFiles.read(dir.resolve(meta.kernel()), "kernel", MAX_KERNEL_BYTES);
        InputFiles.Hashed initrd = InputFiles.digest(dir.resolve(meta.initrd()), "initrd", "SHA-384");
        return TdxMeasurer.measure(new TdxMeasurer.Inputs(fw, cpus, memoryBytes, qemu, tables, kernel, initrd.length(),
                initrd.digest(), meta.cmdline()));
    }
}
