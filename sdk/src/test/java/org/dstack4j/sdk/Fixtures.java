package org.dstack4j.sdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the real MPC attestations in the repository's {@code fixtures/}. */
final class Fixtures {
    private Fixtures() {}

    static Path root() {
        String extra = System.getenv("DSTACK4J_FIXTURES");
        if (extra != null && !extra.isBlank()) {
            Path c = Path.of(extra).toAbsolutePath();
            if (Files.isDirectory(c.resolve("mpc-attestation"))) return c;
            throw new IllegalStateException("DSTACK4J_FIXTURES=" + extra + " holds no mpc-attestation/ directory");
        }
        // The repository's own fixtures/ directory, found walking up from the module being tested.
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("fixtures");
            if (Files.isDirectory(c.resolve("mpc-attestation"))) return c;
        }
        throw new IllegalStateException("fixtures/mpc-attestation not found above " + System.getProperty("user.dir"));
    }

    static List<Path> publicData() throws IOException {
        try (Stream<Path> dirs = Files.list(root().resolve("mpc-attestation"))) {
            List<Path> files = dirs.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().toList();
            if (files.isEmpty()) throw new IllegalStateException("no public_data.json fixtures");
            return files;
        }
    }
}
