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
 * Runs a host tool (a repository script, {@code docker-compose}) as a child process with exactly the
 * given environment plus {@code PATH} and {@code HOME}, bounded in time, stdout and stderr merged.
 */
final class HostCommand {
    /** How one run ended and what it printed. */
    record Run(int exit, String output, Duration took) {}

    private HostCommand() {}

    /**
     * @throws AssertionError when the tool cannot be started (naming the Debian package to install) or
     *     does not end within {@code timeout} (it is then killed; the message carries its output)
     */
    static Run run(List<String> command, Map<String, String> env, Duration timeout, String installHint)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("dstack4j-host", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().put("HOME", System.getProperty("user.home"));
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError(command.getFirst() + " cannot run (" + installHint + "): " + e.getMessage(), e);
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
