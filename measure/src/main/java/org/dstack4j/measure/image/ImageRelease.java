package org.dstack4j.measure.image;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A dstack OS image release's file hashes, pinned in this tool.
 *
 * @param name         release name ({@code 0.5.8})
 * @param sha256       SHA-256 (hex) of each measured file, in {@link OsImage#MEASURED_FILES} order
 * @param osImageHash  the release's {@code os_image_hash}
 * @param source       where the values come from
 */
public record ImageRelease(String name, Map<String, String> sha256, String osImageHash, String source) {
    public ImageRelease {
        sha256 = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sha256));
    }

    /** dstack 0.5.8 (non-dev), the release the MPC operator guide pins; the MPC production tcb_info's os_image_hash. */
    public static final ImageRelease V0_5_8 = new ImageRelease("0.5.8", ordered(
            "76888ce69c91aed86c43f840b913899b40b981964b7ce6018667f91ad06301f0",
            "2afe5b0571363fe2278a3438e337630bfeffc74bafba3d116630e2a1ef1805f3",
            "1272ab4b10db1933d02a80059fbb94b4be9eb4af8c4f79e739dfc0b0101acc40",
            "20fde70b9e4f31ab6ef55d8a5bf33b1734593a9e605982c510c0963d69af075b"),
            "6427f4f5ded88b72d326bd973e581c1689c5080c6444a0cf90fec7d9e4c8b92a",
            "near/mpc crates/mpc-attestation/assets/tcb_info.json (os_image_hash) and the dstack 0.5.8 release files");

    /** Every pinned release. */
    public static final List<ImageRelease> ALL = List.of(V0_5_8);

    /** The pinned release of this name. */
    public static Optional<ImageRelease> named(String name) {
        return ALL.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    private static Map<String, String> ordered(String... hashes) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < hashes.length; i++) m.put(OsImage.MEASURED_FILES.get(i), hashes[i]);
        return m;
    }
}
