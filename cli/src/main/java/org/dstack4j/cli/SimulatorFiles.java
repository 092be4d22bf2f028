package org.dstack4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.dstack4j.agent.simulator.SimulatedTdx;
import org.dstack4j.sdk.Hex;

/**
 * Writes the simulator's public verification material for {@code dstack4j agent --simulator}:
 * DCAP collateral, the TEST ONLY root CA and the simulated KMS root public key. Each file is
 * written to a temp file beside it and moved into place, so a reader never sees half a file, and
 * all are written before the server listens: a client that sees the socket also sees the files.
 */
final class SimulatorFiles {
    private SimulatorFiles() {}

    /**
     * @param collateral   where to write the collateral JSON, or null
     * @param testRoot     where to write the root CA PEM, or null
     * @param kmsRoot      where to write the KMS root public key hex (with a newline), or null
     * @throws IOException naming the file that could not be written
     */
    static void write(SimulatedTdx tdx, Path collateral, Path testRoot, Path kmsRoot) throws IOException {
        if (collateral != null) {
            writeAtomically(collateral, tdx.collateral().toJson(), "--write-collateral");
        }
        if (testRoot != null) {
            writeAtomically(testRoot, tdx.testRootPem(), "--write-test-root");
        }
        if (kmsRoot != null) {
            writeAtomically(kmsRoot, Hex.encode(tdx.kmsRootPublicKey()) + "\n", "--write-kms-root");
        }
    }

    private static void writeAtomically(Path file, String text, String option) throws IOException {
        Path target = file.toAbsolutePath();
        try {
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IOException("cannot write " + option + " file " + file + ": " + e.getMessage(), e);
        }
    }
}
