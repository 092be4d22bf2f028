package org.dstack4j.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code dstack4j} CLI jar (built by the reactor into {@code cli/target}) as a child
 * process, with a controlled environment and a bound on its run time.
 */
final class Cli {
    /** What one run printed and how it ended. */
    record Result(int exit, String stdout, String stderr, Duration took) {
        String all() {
            return stdout + "\n" + stderr;
        }
    }

    static final Path JAR = locateJar();

    private Cli() {}

    private static Path locateJar() {
        Path jar = Path.of("..", "cli", "target", "dstack4j.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with 'mvn package' (scripts/test does) before the e2e tests");
        }
        return jar;
    }

    /** Runs {@code dstack4j args...} with exactly {@code env} (plus PATH), waiting at most {@code timeout}. */
    static Result run(Map<String, String> env, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("dstack4j-cli", ".out");
        Path err = Files.createTempFile("dstack4j-cli", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                LaunchOutputs.record("dstack4j " + args[0] + " stderr (killed)", Files.readString(err, StandardCharsets.UTF_8));
                throw new AssertionError("dstack4j " + String.join(" ", args) + " did not end within " + timeout
                        + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            Result result = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - t0));
            // every output goes to the collector that the secret-leak checks read
            LaunchOutputs.record("dstack4j " + args[0] + " stdout", result.stdout());
            LaunchOutputs.record("dstack4j " + args[0] + " stderr", result.stderr());
            return result;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Starts {@code dstack4j args...} in the background (e.g. the agent). */
    static Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
