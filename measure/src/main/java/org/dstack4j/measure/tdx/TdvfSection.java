package org.dstack4j.measure.tdx;

/**
 * One TDVF metadata section (the TDX Virtual Firmware design guide's TDVF_SECTION, 32 bytes little-endian).
 *
 * @param dataOffset     offset of the section's bytes in the firmware file
 * @param rawDataSize    bytes of firmware data
 * @param memoryAddress  guest-physical base address, page aligned
 * @param memoryDataSize bytes of guest memory, page aligned
 * @param type           0 BFV, 1 CFV, 2 TD_HOB, 3 TEMP_MEM, …
 * @param attributes     bit 0 MR.EXTEND (measured into MRTD), bit 1 PAGE.AUG (added later, not measured)
 */
public record TdvfSection(long dataOffset, long rawDataSize, long memoryAddress, long memoryDataSize, int type, int attributes) {
    public static final int TYPE_TD_HOB = 2;
    public static final int TYPE_TEMP_MEM = 3;
    static final int ATTR_MR_EXTEND = 1;
    static final int ATTR_PAGE_AUG = 2;

    /** The section type's name as the TDVF guide writes it. */
    public String typeName() {
        return switch (type) {
            case 0 -> "BFV";
            case 1 -> "CFV";
            case 2 -> "TD_HOB";
            case 3 -> "TEMP_MEM";
            case 4 -> "PERM_MEM";
            case 5 -> "PAYLOAD";
            case 6 -> "PAYLOAD_PARAM";
            default -> "TYPE_" + type;
        };
    }
}
