package org.dstack4j.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's {@code fixtures/}: operator vectors and the real MPC captures. */
public final class Fixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /** The repository's fixtures directory, found walking up from the module under test. */
    public static Path dir() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/operator"))) return p.resolve("fixtures");
        }
        throw new IllegalStateException("fixtures/operator not found above " + System.getProperty("user.dir"));
    }

    public static JsonNode vectors() {
        return json(dir().resolve("operator/vectors.json"));
    }

    public static JsonNode prodTcbInfo() {
        return json(dir().resolve("operator/tcb_info.prod.json"));
    }

    /** Every capture's {@code tee_participant_info.Dstack.tcb_info}, by date directory. */
    public static List<Capture> captures() {
        try (Stream<Path> dirs = Files.list(dir().resolve("mpc-attestation"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("public_data.json"))).sorted()
                    .map(d -> new Capture(d.getFileName().toString(),
                            json(d.resolve("public_data.json")).at("/tee_participant_info/Dstack/tcb_info")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One capture's tcb_info. */
    public record Capture(String date, JsonNode tcbInfo) {
        /** Payload (hex) of the single RTMR3 event of this name. */
        public String event(String name) {
            for (JsonNode e : tcbInfo.get("event_log")) {
                if (name.equals(e.path("event").asText())) return e.get("event_payload").asText();
            }
            throw new AssertionError(date + " has no " + name + " event");
        }

        @Override
        public String toString() {
            return date;
        }
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
