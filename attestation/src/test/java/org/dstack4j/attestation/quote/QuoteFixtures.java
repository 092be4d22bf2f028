package org.dstack4j.attestation.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The real MPC attestations in {@code fixtures/mpc-attestation}, found beside or inside the checkout. */
final class QuoteFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private QuoteFixtures() {}

    record Fixture(Path file, JsonNode dstack) {
        byte[] quote() {
            JsonNode arr = dstack.get("quote");
            byte[] out = new byte[arr.size()];
            for (int i = 0; i < out.length; i++) out[i] = (byte) arr.get(i).intValue();
            return out;
        }

        JsonNode tcbInfo() {
            return dstack.get("tcb_info");
        }
    }

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

    static List<Fixture> all() throws IOException {
        try (Stream<Path> dirs = Files.list(root().resolve("mpc-attestation"))) {
            List<Path> files = dirs.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().toList();
            if (files.isEmpty()) throw new IllegalStateException("no public_data.json fixtures");
            return files.stream().map(f -> {
                try {
                    return new Fixture(f, JSON.readTree(f.toFile()).at("/tee_participant_info/Dstack"));
                } catch (IOException e) {
                    throw new IllegalStateException(f.toString(), e);
                }
            }).toList();
        }
    }
}
