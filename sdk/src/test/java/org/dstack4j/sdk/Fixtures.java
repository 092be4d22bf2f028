package org.dstack4j.sdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the real MPC attestations in {@code shared/fixtures}, beside the checkout or inside it. */
final class Fixtures {
    private Fixtures() {}

    static Path root() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path c : List.of(p.resolve("shared/fixtures"), p.resolve("../shared/fixtures").normalize())) {
                if (Files.isDirectory(c.resolve("mpc-attestation"))) return c;
            }
        }
        throw new IllegalStateException("shared/fixtures not found above " + System.getProperty("user.dir"));
    }

    static List<Path> publicData() throws IOException {
        try (Stream<Path> dirs = Files.list(root().resolve("mpc-attestation"))) {
            List<Path> files = dirs.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().toList();
            if (files.isEmpty()) throw new IllegalStateException("no public_data.json fixtures");
            return files;
        }
    }
}
