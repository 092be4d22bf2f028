package org.dstack4j.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Everything the launcher printed or wrote in this test JVM (stdout, stderr, {@code --report} files),
 * and every secret value the tests planted (user_config secrets, registry passwords, tokens).
 * {@link Cli#run} records each run's output; tests record report files and plant their secrets.
 * {@link SecretsNeverLeak} and {@link SecretsNeverLeakTest} assert that no planted secret appears.
 */
final class LaunchOutputs {
    /** One recorded text: where it came from and what it said. */
    record Output(String source, String text) {}

    private static final List<Output> OUTPUTS = new CopyOnWriteArrayList<>();
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private LaunchOutputs() {}

    static void record(String source, String text) {
        OUTPUTS.add(new Output(source, text));
    }

    /** Records a file the launcher wrote (e.g. {@code --report}); a missing file records nothing. */
    static void recordFile(Path file) throws IOException {
        if (Files.isRegularFile(file)) record(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Declares a value that must never appear in any output; values shorter than 6 characters are refused. */
    static String plant(String secret) {
        if (secret.length() < 6) throw new IllegalArgumentException("a planted secret must be distinctive (≥ 6 characters)");
        SECRETS.add(secret);
        return secret;
    }

    static List<Output> outputs() {
        return new ArrayList<>(OUTPUTS);
    }

    static Set<String> secrets() {
        return Set.copyOf(SECRETS);
    }

    /** Outputs containing a planted secret, as {@code "<source>: <secret>"}. */
    static List<String> leaks() {
        List<String> leaks = new ArrayList<>();
        for (Output o : OUTPUTS) {
            for (String s : SECRETS) {
                if (o.text().contains(s)) leaks.add(o.source() + " leaks a planted secret of " + s.length() + " characters");
            }
        }
        return leaks;
    }
}
