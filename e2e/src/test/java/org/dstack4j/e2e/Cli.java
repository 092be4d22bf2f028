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
    /**
     * Options for every CLI child JVM: these runs are short, so the C1 compiler only and the serial collector (less
     * start-up work on a busy 2-core CI machine), and a class-data-sharing archive of the CLI's classes when one
     * could be made (see {@link #classArchive()}).
     */
    static final List<String> JVM_OPTIONS = jvmOptions();

    private Cli() {}

    private static Path locateJar() {
        Path jar = Path.of("..", "cli", "target", "dstack4j.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with 'mvn package' (scripts/test does) before the e2e tests");
        }
        return jar;
    }

    private static List<String> jvmOptions() {
        List<String> o = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        classArchive().ifPresent(jsa -> o.addAll(List.of("-XX:SharedArchiveFile=" + jsa, "-Xshare:auto", "-Xlog:disable")));
        return List.copyOf(o);
    }

    /**
     * A dynamic CDS archive of the classes {@code dstack4j --help} loads (picocli and every command), made once per
     * jar build in {@code target/} by one training run and moved into place whole, so no JVM ever maps a half-written
     * one (JVMs that dump at exit concurrently could). Empty when it cannot be made: the children then start without.
     */
    static java.util.Optional<Path> classArchive() {
        try {
            Path jsa = Path.of("target", "dstack4j-cli-" + Files.getLastModifiedTime(JAR).toMillis() + "-" + Files.size(JAR) + ".jsa")
                    .toAbsolutePath();
            if (!Files.isRegularFile(jsa)) {
                Files.createDirectories(jsa.getParent());
                Path tmp = jsa.resolveSibling(jsa.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
                Process p = new ProcessBuilder(javaBin(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:ArchiveClassesAtExit=" + tmp,
                        "-Xlog:disable", "-jar", JAR.toString(), "--help").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(2, TimeUnit.MINUTES)) p.destroyForcibly().waitFor();
                if (Files.isRegularFile(tmp)) Files.move(tmp, jsa, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return Files.isRegularFile(jsa) ? java.util.Optional.of(jsa) : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /** {@code java [JVM_OPTIONS] [extra] -jar dstack4j.jar args...}. */
    static List<String> command(List<String> extraJvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(extraJvmOptions);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code dstack4j args...} with exactly {@code env} (plus PATH), waiting at most {@code timeout}. */
    static Result run(Map<String, String> env, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = command(List.of(), args);
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
        return new ProcessBuilder(command(List.of(), args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
