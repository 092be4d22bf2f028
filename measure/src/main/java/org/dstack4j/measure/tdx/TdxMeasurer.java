package org.dstack4j.measure.tdx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.measure.MeasureInputException;

/**
 * dstack-mr's algorithm (Dstack-TEE/dstack {@code dstack-mr} at v0.5.8): MRTD from the firmware's TDVF
 * metadata; RTMR0 from the TD HOB, the firmware's fixed events and QEMU's ACPI tables; RTMR1 from the
 * QEMU-patched kernel; RTMR2 from the command line and the initrd.
 */
public final class TdxMeasurer {
    static final long EV_SEPARATOR = 0x4;
    static final long EV_EVENT_TAG = 0x6;
    static final long EV_PLATFORM_CONFIG_FLAGS = 0xa;
    static final long EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001L;
    static final long EV_EFI_VARIABLE_BOOT = 0x80000002L;
    static final long EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003L;
    static final long EV_EFI_ACTION = 0x80000007L;
    static final long EV_EFI_PLATFORM_FIRMWARE_BLOB2 = 0x8000000aL;
    static final long EV_EFI_HANDOFF_TABLES2 = 0x8000000bL;

    private TdxMeasurer() {}

    /**
     * The inputs of one measurement.
     *
     * @param firmware     parsed ovmf.fd
     * @param cpus         vCPUs (only the ACPI tables depend on it)
     * @param memoryBytes  guest RAM
     * @param qemu         host QEMU version
     * @param acpi         the ACPI tables for this machine
     * @param kernel       bzImage bytes
     * @param initrdSize   initramfs size, bytes
     * @param initrdDigest SHA-384 of the initramfs
     * @param cmdline      metadata.json's cmdline (" initrd=initrd" is appended here, as dstack-mr does)
     */
    public record Inputs(Tdvf firmware, int cpus, long memoryBytes, QemuVersion qemu, AcpiTables acpi, byte[] kernel,
            long initrdSize, byte[] initrdDigest, String cmdline) {}

    /** All four registers and their events. */
    public static Measurement measure(Inputs in) throws MeasureInputException {
        List<MeasuredEvent> r0 = rtmr0(in.firmware(), in.memoryBytes(), in.acpi());
        List<MeasuredEvent> r1 = rtmr1(in.kernel(), in.initrdSize(), in.memoryBytes());
        List<MeasuredEvent> r2 = rtmr2(in.cmdline(), in.initrdDigest());
        List<MeasuredEvent> all = new ArrayList<>(r0);
        all.addAll(r1);
        all.addAll(r2);
        HexFormat hex = HexFormat.of();
        return new Measurement(hex.formatHex(in.firmware().mrtd(in.qemu().twoPass())), hex.formatHex(Measurement.replay(r0)),
                hex.formatHex(Measurement.replay(r1)), hex.formatHex(Measurement.replay(r2)), all);
    }

    /** RTMR0's 13 events. */
    public static List<MeasuredEvent> rtmr0(Tdvf fw, long memoryBytes, AcpiTables acpi) {
        List<MeasuredEvent> e = new ArrayList<>();
        e.add(new MeasuredEvent(0, EV_EFI_HANDOFF_TABLES2, "TD HOB", Sha384.of(fw.tdHob(memoryBytes)),
                "computed: TD HOB for " + memoryBytes + " bytes of RAM and the firmware's TDVF sections"));
        e.add(new MeasuredEvent(0, EV_EFI_PLATFORM_FIRMWARE_BLOB2, "CFV (OVMF variable store)", EfiEvents.CFV_DIGEST,
                "constant: dstack ovmf.fd's configuration volume, as dstack-mr fixes it"));
        for (String v : List.of("SecureBoot", "PK", "KEK")) {
            e.add(new MeasuredEvent(0, EV_EFI_VARIABLE_DRIVER_CONFIG, v, EfiEvents.variable(EfiEvents.EFI_GLOBAL_VARIABLE, v),
                    "computed: unset EFI variable " + v));
        }
        for (String v : List.of("db", "dbx")) {
            e.add(new MeasuredEvent(0, EV_EFI_VARIABLE_DRIVER_CONFIG, v, EfiEvents.variable(EfiEvents.EFI_IMAGE_SECURITY_DATABASE, v),
                    "computed: unset EFI variable " + v));
        }
        e.add(new MeasuredEvent(0, EV_SEPARATOR, "separator", EfiEvents.separator(), "computed: four zero bytes"));
        e.add(new MeasuredEvent(0, EV_PLATFORM_CONFIG_FLAGS, "ACPI etc/table-loader", acpi.loaderDigest(),
                "computed: loader commands from the table layout of " + acpi.source()));
        e.add(new MeasuredEvent(0, EV_PLATFORM_CONFIG_FLAGS, "ACPI etc/acpi/rsdp", acpi.rsdpDigest(),
                "computed: RSDP from the table layout of " + acpi.source()));
        e.add(new MeasuredEvent(0, EV_PLATFORM_CONFIG_FLAGS, "ACPI etc/acpi/tables", acpi.tablesDigest(), acpi.source()));
        e.add(new MeasuredEvent(0, EV_EFI_VARIABLE_BOOT, "BootOrder", EfiEvents.bootOrder(), "computed: BootOrder = [0000]"));
        e.add(new MeasuredEvent(0, EV_EFI_VARIABLE_BOOT, "Boot0000", Sha384.of(EfiEvents.BOOT0000_LOAD_OPTION),
                "computed: OVMF's UiApp load option (dstack-mr's constant)"));
        return e;
    }

    /** RTMR1's five events. */
    public static List<MeasuredEvent> rtmr1(byte[] kernel, long initrdSize, long memoryBytes) throws MeasureInputException {
        List<MeasuredEvent> e = new ArrayList<>();
        e.add(new MeasuredEvent(1, EV_EFI_BOOT_SERVICES_APPLICATION, "kernel (Authenticode, QEMU-patched setup header)",
                KernelImage.authenticode(KernelImage.patch(kernel, initrdSize, memoryBytes)), "computed: bzImage"));
        e.addAll(bootServiceEvents());
        return e;
    }

    /** RTMR1's events after the kernel, fixed strings. */
    static List<MeasuredEvent> bootServiceEvents() {
        List<MeasuredEvent> e = new ArrayList<>();
        e.add(new MeasuredEvent(1, EV_EFI_ACTION, "Calling EFI Application from Boot Option",
                Sha384.of("Calling EFI Application from Boot Option"), "computed: action string"));
        e.add(new MeasuredEvent(1, EV_SEPARATOR, "separator", EfiEvents.separator(), "computed: four zero bytes"));
        e.add(new MeasuredEvent(1, EV_EFI_ACTION, "Exit Boot Services Invocation", Sha384.of("Exit Boot Services Invocation"),
                "computed: action string"));
        e.add(new MeasuredEvent(1, EV_EFI_ACTION, "Exit Boot Services Returned with Success",
                Sha384.of("Exit Boot Services Returned with Success"), "computed: action string"));
        return e;
    }

    /** RTMR2: the command line (UTF-16LE with a NUL, {@code " initrd=initrd"} appended) and the initrd. */
    public static List<MeasuredEvent> rtmr2(String cmdline, byte[] initrdDigest) {
        String full = cmdline + " initrd=initrd";
        byte[] utf16 = (full + "\0").getBytes(StandardCharsets.UTF_16LE);
        return List.of(new MeasuredEvent(2, EV_EVENT_TAG, "kernel command line", Sha384.of(utf16), "computed: \"" + full + "\""),
                new MeasuredEvent(2, EV_EVENT_TAG, "initrd", initrdDigest, "computed: SHA-384 of the initramfs"));
    }
}
