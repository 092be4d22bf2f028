package org.dstack4j.launcher.registry;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.dstack4j.launcher.selection.ImageDigest;

/** Builds manifest JSON for tests. */
final class Manifests {
    private Manifests() {
    }

    static ImageDigest randomDigest() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return new ImageDigest(HexFormat.of().formatHex(bytes));
    }

    static byte[] image(String mediaType, ImageDigest config) {
        String configType = mediaType.equals(MediaTypes.DOCKER_MANIFEST)
                ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json";
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"config\":{\"mediaType\":\"" + configType
                + "\",\"digest\":\"" + config + "\",\"size\":1234},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"" + randomDigest() + "\",\"size\":5678}]}").getBytes(StandardCharsets.UTF_8);
    }

    record Entry(String mediaType, ImageDigest digest, long size, String os, String arch) {
        static Entry of(String mediaType, byte[] manifest, String os, String arch) {
            return new Entry(mediaType, ImageDigest.of(manifest), manifest.length, os, arch);
        }
    }

    static byte[] index(String mediaType, List<Entry> entries) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (i > 0) json.append(',');
            json.append("{\"mediaType\":\"").append(e.mediaType()).append("\",\"digest\":\"").append(e.digest())
                    .append("\",\"size\":").append(e.size())
                    .append(",\"platform\":{\"os\":\"").append(e.os()).append("\",\"architecture\":\"").append(e.arch()).append("\"}}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
