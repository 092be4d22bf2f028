package org.dstack4j.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 3: with umask 000 (the most permissive start-up) a foreign user racing the agent's
 * start-up never connects, neither on the socket path nor anywhere else in its directory.
 *
 * <p>The agent runs in a child JVM started under {@code umask 000} (umask is per process); the
 * attacker is a second JVM run as {@code nobody} with {@code setpriv}, so this test needs root.
 */
class SocketStartupRaceTest {
    private static final int ROUNDS = 40;

    @TempDir
    Path tmp;

    @Test
    void foreignUserNeverConnectsWhileTheAgentStarts() throws Exception {
        assertThat((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
                .as("this test runs the attacker as nobody with setpriv, which needs root").isZero();
        Path dir = tmp.resolve("run");
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // like a shared /run
        Path attackerSource = tmp.resolve("SocketRaceAttacker.java");
        try (InputStream in = getClass().getResourceAsStream("/attack/SocketRaceAttacker.java")) {
            Files.write(attackerSource, in.readAllBytes());
        }
        Files.setPosixFilePermissions(attackerSource, PosixFilePermissions.fromString("rw-r--r--"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Process attacker = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", attackerSource.toString(), dir.toString(),
                "dstack.sock", "120000").redirectErrorStream(true).start();
        BufferedReader attackerOut = new BufferedReader(
                new InputStreamReader(attacker.getInputStream(), StandardCharsets.UTF_8));
        try {
            assertThat(attackerOut.readLine()).as("attacker JVM started as nobody").isEqualTo("ready");
            Process agent = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" \"$@\"", java,
                    "-cp", System.getProperty("java.class.path"), RestartingAgentMain.class.getName(),
                    dir.resolve("dstack.sock").toString(), Integer.toString(ROUNDS))
                    .redirectErrorStream(true).start();
            String agentOut = new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(agent.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(agentOut).as("the agent started and stopped " + ROUNDS + " times").contains("rounds=" + ROUNDS);
            Files.writeString(dir.resolve("stop"), "");
            List<String> report = attackerOut.lines().toList();
            assertThat(attacker.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(report).noneMatch(l -> l.startsWith("CONNECTED"));
            String summary = report.get(report.size() - 1);
            assertThat(summary).startsWith("attempts=");
            // the attacker did find the socket while it existed and was refused by its mode
            long denied = Long.parseLong(summary.replaceFirst(".*denied=", ""));
            assertThat(denied).isPositive();
        } finally {
            attacker.destroyForcibly();
        }
    }
}
