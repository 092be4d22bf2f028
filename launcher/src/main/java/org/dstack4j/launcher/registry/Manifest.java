package org.dstack4j.launcher.registry;

import java.util.List;
import java.util.OptionalLong;
import org.dstack4j.launcher.selection.ImageDigest;

/** A parsed manifest: an image manifest or an index (OCI index / Docker manifest list). */
public sealed interface Manifest permits Manifest.Image, Manifest.Index {

    /** One of {@link MediaTypes#ALL}. */
    String mediaType();

    /**
     * An image manifest (OCI or Docker v2).
     *
     * @param mediaType    OCI manifest or Docker v2 media type
     * @param configDigest {@code config.digest}: the image ID
     */
    record Image(String mediaType, ImageDigest configDigest) implements Manifest {
    }

    /**
     * An OCI index or Docker manifest list.
     *
     * @param mediaType OCI index or Docker list media type
     * @param entries   the {@code manifests} array, in order
     */
    record Index(String mediaType, List<Entry> entries) implements Manifest {
        public Index {
            entries = List.copyOf(entries);
        }

        /** The entries for {@code linux/amd64} (any variant), in order. */
        public List<Entry> linuxAmd64() {
            return entries.stream().filter(Entry::isLinuxAmd64).toList();
        }
    }

    /**
     * One entry of an index.
     *
     * @param digest       the raw {@code digest} string (only linux/amd64 entries must be sha256)
     * @param mediaType    the entry's {@code mediaType}, or empty string when absent
     * @param size         the entry's {@code size} in bytes, when present
     * @param os           {@code platform.os}, or empty string
     * @param architecture {@code platform.architecture}, or empty string
     * @param variant      {@code platform.variant}, or empty string
     */
    record Entry(String digest, String mediaType, OptionalLong size, String os, String architecture, String variant) {
        /** {@code platform.os == linux} and {@code platform.architecture == amd64}. */
        public boolean isLinuxAmd64() {
            return "linux".equals(os) && "amd64".equals(architecture);
        }
    }
}
