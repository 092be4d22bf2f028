package org.dstack4j.cluster.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dstack4j.chain.devnet.DevTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed artifact is what the pinned solc-js makes of the committed source, byte for byte. */
class ArtifactReproducibleTest {
    @Test
    void recompilingGivesTheCommittedArtifact(@TempDir Path dir) throws Exception {
        DevTools tools = DevTools.locate();
        tools.ensureInstalled();
        Path out = dir.resolve("DstackCluster.json");
        Process p = new ProcessBuilder(List.of("node", "compile.mjs", "--out", out.toString()))
                .directory(tools.contracts().toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        byte[] committed;
        try (InputStream in = ContractArtifact.class.getResourceAsStream(ContractArtifact.RESOURCE)) {
            committed = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(out))
                .as("the artifact is stale: run `node contracts/compile.mjs` and commit the result")
                .isEqualTo(committed);
    }

    @Test
    void theArtifactNamesItsSourceAndCompiler() throws Exception {
        ContractArtifact a = ContractArtifact.load();
        Path source = DevTools.locate().contracts().resolve("DstackCluster.sol");
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source)));
        assertThat(a.sourceSha256()).isEqualTo(sha);
        assertThat(a.compilerVersion()).startsWith("0.8.37+");
        assertThat(a.deployedBytecode().length).isBetween(1000, 24576); // EIP-170 size limit
        assertThat(a.matchesRuntimeCode(a.deployedBytecode())).isTrue();
        byte[] other = a.deployedBytecode();
        other[0] ^= 1;
        assertThat(a.matchesRuntimeCode(other)).isFalse();
    }
}
