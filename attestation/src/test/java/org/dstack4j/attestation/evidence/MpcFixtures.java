package org.dstack4j.attestation.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The real MPC {@code public_data.json} captures in {@code fixtures/mpc-attestation/<date>/}. */
public final class MpcFixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    private MpcFixtures() {}

    /** One capture: its date directory and raw bytes. */
    public record Fixture(String date, Path file, byte[] json) {
        /** A fresh mutable tree of the document. */
        public ObjectNode tree() {
            try {
                return (ObjectNode) JSON.readTree(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public JsonNode dstack() {
            return tree().at("/tee_participant_info/Dstack");
        }

        public JsonNode tcbInfo() {
            return dstack().get("tcb_info");
        }

        public MpcPublicData parse() throws EvidenceFormatException {
            return MpcPublicData.parse(json);
        }

        @Override
        public String toString() {
            return date;
        }
    }

    public static Path root() {
        String extra = System.getenv("DSTACK4J_FIXTURES");
        if (extra != null && !extra.isBlank()) {
            Path c = Path.of(extra).toAbsolutePath();
            if (Files.isDirectory(c.resolve("mpc-attestation"))) return c.resolve("mpc-attestation");
            throw new IllegalStateException("DSTACK4J_FIXTURES=" + extra + " holds no mpc-attestation/ directory");
        }
        // The repository's own fixtures/ directory, found walking up from the module being tested.
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("fixtures");
            if (Files.isDirectory(c.resolve("mpc-attestation"))) return c.resolve("mpc-attestation");
        }
        throw new IllegalStateException("fixtures/mpc-attestation not found above " + System.getProperty("user.dir"));
    }

    /** Every capture, oldest first. */
    public static List<Fixture> all() {
        try (Stream<Path> dirs = Files.list(root())) {
            List<Path> files = dirs.map(d -> d.resolve("public_data.json")).filter(Files::isRegularFile).sorted().toList();
            if (files.isEmpty()) throw new IllegalStateException("no public_data.json fixtures in " + root());
            return files.stream().map(f -> {
                try {
                    return new Fixture(f.getParent().getFileName().toString(), f, Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest capture. */
    public static Fixture newest() {
        return all().getLast();
    }

    /** Serialises a tree back to bytes. */
    public static byte[] bytes(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The quote bytes of a {@code tee_participant_info.Dstack} node's number array. */
    public static byte[] quoteOf(JsonNode dstack) {
        JsonNode arr = dstack.get("quote");
        byte[] out = new byte[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = (byte) arr.get(i).intValue();
        return out;
    }
}
