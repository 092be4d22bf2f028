package org.dstack4j.bench.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.dstack4j.attestation.dcap.Collateral;
import org.dstack4j.attestation.dcap.CollateralFormatException;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.PreparedCollateral;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Single-thread throughput (verifications per second) of {@link DcapVerifier#intel()} on one real MPC
 * attestation (an MPC node's {@code /public_data}: {@code tee_participant_info.Dstack.{quote,collateral}}),
 * verified at the TCB info's {@code issueDate} + 1 h, when its collateral is current.
 *
 * <ul>
 * <li>{@link #verify()}: the collateral parsed once ({@link PreparedCollateral}), as a verifier checking many
 *     quotes from one platform does; every quote check (signatures, PCK chain, TCB matching) runs per call.</li>
 * <li>{@link #verifyColdCollateral()}: the collateral JSON parsed from bytes on every call, to show that cost.</li>
 * </ul>
 *
 * <p>The attestation file is {@code -Ddstack4j.fixture=FILE} or {@code $DSTACK4J_FIXTURE}; otherwise the newest
 * {@code mpc-attestation/<date>/public_data.json} under {@code -Ddstack4j.fixtures=DIR}, {@code $DSTACK4J_FIXTURES},
 * or the repository's {@code fixtures/} found walking up from the working directory. Setup fails the run
 * unless both paths verify valid with status {@code UpToDate}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class VerifyBenchmark {
    /** Largest /public_data read (real ones are about 60 KiB). */
    private static final long MAX_FIXTURE_BYTES = 16L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private byte[] quote;
    private byte[] collateralJson;
    private PreparedCollateral prepared;
    private Instant at;

    @Setup
    public void setUp() throws IOException, CollateralFormatException {
        Path file = fixture();
        if (Files.size(file) > MAX_FIXTURE_BYTES) throw new IllegalStateException(file + " exceeds " + MAX_FIXTURE_BYTES + " bytes");
        JsonNode dstack = JSON.readTree(file.toFile()).path("tee_participant_info").path("Dstack");
        if (!dstack.path("quote").isArray() || !dstack.path("collateral").isObject()) {
            throw new IllegalStateException(file + " has no tee_participant_info.Dstack.{quote,collateral}");
        }
        quote = JSON.convertValue(dstack.get("quote"), byte[].class);
        // the /public_data form (byte fields as arrays of numbers), exactly what a verifier receives
        collateralJson = JSON.writeValueAsBytes(dstack.get("collateral"));
        Collateral collateral = CollateralJson.parse(collateralJson);
        prepared = PreparedCollateral.of(collateral);
        at = Instant.parse(JSON.readTree(collateral.tcbInfo()).path("issueDate").asText()).plus(Duration.ofHours(1));

        requireUpToDate("prepared collateral", verify(), file);
        requireUpToDate("collateral parsed per call", verifyColdCollateral(), file);
        System.out.println("# fixture " + file + ", " + quote.length + "-byte quote, verified at " + at);
    }

    /** One verification against the collateral parsed once. */
    @Benchmark
    public DcapVerification verify() {
        return DcapVerifier.intel().verify(quote, prepared, at, false);
    }

    /** One verification, parsing the collateral JSON (and its certificates, CRLs, documents) first. */
    @Benchmark
    public DcapVerification verifyColdCollateral() throws CollateralFormatException {
        return DcapVerifier.intel().verify(quote, CollateralJson.parse(collateralJson), at, false);
    }

    private static void requireUpToDate(String what, DcapVerification v, Path file) {
        if (!v.valid() || !"UpToDate".equals(v.status())) {
            StringBuilder sb = new StringBuilder("DCAP verification (" + what + ") of " + file + " is not valid/UpToDate: status "
                    + v.status());
            v.checks().stream().filter(c -> !c.ok()).forEach(c -> sb.append("\n  FAIL ").append(c.name()).append(": ").append(c.detail()));
            throw new IllegalStateException(sb.toString());
        }
    }

    private static Path fixture() throws IOException {
        String explicit = setting("dstack4j.fixture", "DSTACK4J_FIXTURE");
        if (explicit != null) return existing(Path.of(explicit), "dstack4j.fixture / DSTACK4J_FIXTURE");
        String dir = setting("dstack4j.fixtures", "DSTACK4J_FIXTURES");
        Path fixtures = dir != null ? existing(Path.of(dir), "dstack4j.fixtures / DSTACK4J_FIXTURES") : repoFixtures();
        Path base = fixtures.resolve("mpc-attestation");
        try (var dates = Files.list(base)) {
            return dates.filter(d -> Files.isRegularFile(d.resolve("public_data.json")))
                    .max(Path::compareTo)
                    .map(d -> d.resolve("public_data.json"))
                    .orElseThrow(() -> new IllegalStateException("no <date>/public_data.json under " + base));
        }
    }

    private static Path repoFixtures() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("fixtures");
            if (Files.isDirectory(candidate.resolve("mpc-attestation"))) return candidate;
        }
        throw new IllegalStateException("no fixtures/mpc-attestation above " + Path.of("").toAbsolutePath()
                + "; set DSTACK4J_FIXTURES to the directory holding mpc-attestation/<date>/public_data.json");
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) v = System.getenv(env);
        return v == null || v.isBlank() ? null : v;
    }

    private static Path existing(Path p, String source) {
        if (!Files.exists(p)) throw new IllegalStateException(p + " (from " + source + ") does not exist");
        return p;
    }
}
