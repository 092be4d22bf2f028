package org.dstack4j.chain.devnet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the repository's {@code contracts/} folder and the binaries its npm lockfile pins
 * (anvil, cast), installing them with {@code npm ci} when missing.
 */
public final class DevTools {
    private final Path contracts;

    private DevTools(Path contracts) {
        this.contracts = contracts;
    }

    /**
     * The {@code contracts/} folder at or above {@code start} (a module directory when run by Maven).
     *
     * @throws IOException when no {@code contracts/package-lock.json} is found above it
     */
    public static DevTools locate(Path start) throws IOException {
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("contracts");
            if (Files.isRegularFile(c.resolve("package-lock.json"))) {
                return new DevTools(c);
            }
        }
        throw new IOException("no contracts/package-lock.json at or above " + start.toAbsolutePath()
                + "; run from the dstack4j checkout");
    }

    /** From the working directory. */
    public static DevTools locate() throws IOException {
        return locate(Path.of(""));
    }

    /** The {@code contracts/} folder. */
    public Path contracts() {
        return contracts;
    }

    /** The anvil binary, after {@link #ensureInstalled()}. */
    public Path anvil() throws IOException {
        ensureInstalled();
        return contracts.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    }

    /** The cast binary, after {@link #ensureInstalled()}. */
    public Path cast() throws IOException {
        ensureInstalled();
        return contracts.resolve("node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    }

    /**
     * Runs {@code npm ci} in {@code contracts/} when the pinned packages are missing (from the npm registry;
     * the lockfile pins exact versions and integrity hashes).
     *
     * @throws IOException when npm is missing or fails (its last output included)
     */
    public synchronized void ensureInstalled() throws IOException {
        Path nm = contracts.resolve("node_modules");
        if (Files.isExecutable(nm.resolve("@foundry-rs/anvil-linux-amd64/bin/anvil"))
                && Files.isExecutable(nm.resolve("@foundry-rs/cast-linux-amd64/bin/cast"))
                && Files.isRegularFile(nm.resolve("solc/package.json"))) {
            return;
        }
        Path log = Files.createTempFile("dstack4j-npm-ci", ".log");
        try {
            Process p = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund"))
                    .directory(contracts.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm ci in " + contracts + " took over 5 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IOException("npm ci in " + contracts + " failed (exit " + p.exitValue() + "): " + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during npm ci", e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IOException("npm is not installed; install nodejs and npm (apt-get install nodejs npm)", e);
            }
            throw e;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}
