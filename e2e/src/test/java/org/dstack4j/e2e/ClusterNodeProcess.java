package org.dstack4j.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One {@code dstack4j cluster node} JVM (the CLI jar), its stdout (one JSON object per line) and stderr in files.
 */
final class ClusterNodeProcess {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final Process process;
    final Path out;
    final Path err;

    private ClusterNodeProcess(String name, Process process, Path out, Path err) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code dstack4j cluster node ARGS} with small heaps and {@link Cli#JVM_OPTIONS} (many short-lived JVMs). */
    static ClusterNodeProcess start(Path dir, String name, List<String> args) throws IOException {
        List<String> cmd = Cli.command(List.of("-Xss512k", "-Xmx128m"), "cluster", "node");
        cmd.addAll(args);
        Path out = dir.resolve(name + ".node.out");
        Path err = dir.resolve(name + ".node.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ClusterNodeProcess(name, p, out, err);
    }

    /**
     * The JSON lines printed so far. Only complete lines count: the node may be writing the last one right now, and a
     * half-written line read as the whole output would hide every event before it.
     */
    List<JsonNode> events() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(out);
        } catch (IOException e) {
            return List.of();
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        List<JsonNode> r = new ArrayList<>();
        for (String l : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (!l.startsWith("{")) continue;
            try {
                r.add(JSON.readTree(l));
            } catch (IOException e) {
                throw new AssertionError(name + " printed a line that is not JSON: " + l, e);
            }
        }
        return r;
    }

    Optional<JsonNode> event(String event) {
        return events().stream().filter(e -> e.path("event").asText().equals(event)).reduce((a, b) -> b);
    }

    /** Waits for the last line with {@code "event": event}. */
    JsonNode await(String event, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<JsonNode> e = event(event);
            if (e.isPresent()) return e.get();
            if (!process.isAlive() && event(event).isEmpty()) break;
            Thread.sleep(100);
        }
        throw new AssertionError(name + ": no " + event + " within " + timeout + "\nstdout:\n" + text(out) + "\nstderr:\n" + text(err));
    }

    /** Waits for the process to end; its exit code. */
    int exit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            String threads = threadDump();
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(name + " did not end within " + timeout + "\nstdout:\n" + text(out) + "\nstderr:\n" + text(err)
                    + "\nthreads:\n" + threads);
        }
        return process.exitValue();
    }

    /** The JVM's threads (jcmd Thread.print), to tell why it did not end. */
    private String threadDump() {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            return s.length() > 20_000 ? s.substring(0, 20_000) : s;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    String stdout() {
        return text(out);
    }

    String stderr() {
        return text(err);
    }

    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * A test's teardown: SIGTERM to every node (a node zeroes its secret and exits), each given 30 s before it is
     * killed, then {@code closers} (CVMs, relays, servers) closed in reverse order of opening, best effort.
     */
    static void stopAll(List<ClusterNodeProcess> nodes, List<AutoCloseable> closers) throws InterruptedException {
        for (ClusterNodeProcess n : nodes) n.process.destroy();
        for (ClusterNodeProcess n : nodes) {
            if (!n.process.waitFor(30, TimeUnit.SECONDS)) n.kill();
        }
        for (AutoCloseable c : closers.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static String text(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
