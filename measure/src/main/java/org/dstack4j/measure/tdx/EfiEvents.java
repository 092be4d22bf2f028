package org.dstack4j.measure.tdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;

/** The firmware's fixed RTMR0/RTMR1 events, as TDVF (OVMF) measures them when QEMU boots a kernel directly. */
final class EfiEvents {
    static final UUID EFI_GLOBAL_VARIABLE = UUID.fromString("8be4df61-93ca-11d2-aa0d-00e098032b8c");
    static final UUID EFI_IMAGE_SECURITY_DATABASE = UUID.fromString("d719b2cb-3d3a-4596-a3bc-dad00e67656f");

    /**
     * SHA-384 of the configuration firmware volume (OVMF's variable store) of dstack's ovmf.fd, as dstack-mr
     * fixes it; the MPC production event log records the same digest.
     */
    static final byte[] CFV_DIGEST = HexFormat.of().parseHex(
            "344bc51c980ba621aaa00da3ed7436f7d6e549197dfe699515dfa2c6583d95e6412af21c097d473155875ffd561d6790");

    /**
     * The Boot0000 load option OVMF creates for the UiApp (attributes, device path of the UiApp in the firmware
     * volume). TDVF measures the variable's data; dstack-mr fixes its digest (23ada07f…), which is SHA-384 of
     * these bytes — the payload of the MPC production log's Boot0000 event.
     */
    static final byte[] BOOT0000_LOAD_OPTION = HexFormat.of().parseHex(
            "090100002c0055006900410070007000000004071400c9bdb87cebf8344faaea3ee4af6516a10406140021aa2c4614760345836e8ab6f46623317fff0400");

    private EfiEvents() {}

    /**
     * An unset Secure Boot variable as TDVF measures it (EV_EFI_VARIABLE_DRIVER_CONFIG): SHA-384 of
     * {@code VendorGuid ‖ u64 name length in characters ‖ u64 data length (0) ‖ UTF-16LE name}.
     */
    static byte[] variable(UUID vendor, String name) {
        byte[] utf16 = name.getBytes(StandardCharsets.UTF_16LE);
        ByteBuffer b = ByteBuffer.allocate(32 + utf16.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Guids.bytes(vendor)).putLong(name.length()).putLong(0).put(utf16);
        return Sha384.of(b.array());
    }

    /** EV_SEPARATOR: four zero bytes. */
    static byte[] separator() {
        return Sha384.of(new byte[4]);
    }

    /** BootOrder's data: one entry, Boot0000. */
    static byte[] bootOrder() {
        return Sha384.of(new byte[2]);
    }
}
