package org.dstack4j.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import org.dstack4j.agent.pki.AppCa;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.cluster.binding.ClusterPin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Where {@code cluster node} takes its HTTPS site from: the app-compose's {@code dstack4j_cluster.tls} pin, which the
 * flags may only repeat; the flags alone only in a devnet pin. Checked before the node connects to anything.
 */
class NodeTlsOptionsTest {
    private static final String C = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

    @TempDir
    static Path dir;

    static String rootPem;
    static Path rootFile;

    @BeforeAll
    static void root() throws Exception {
        AppCa ca = AppCa.create(new SeedKdf("node-tls-options-test"), "CN=TEST ONLY acme root");
        rootPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(ca.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n";
        rootFile = Files.writeString(dir.resolve("root.pem"), rootPem);
    }

    private static ClusterPin pin(boolean devnet, String tls) throws Exception {
        return ClusterPin.fromCompose("{\"dstack4j_cluster\":{\"chain_id\":1,\"contract\":\"" + C + "\",\"allow_test_root\":" + devnet
                + (tls == null ? "" : ",\"tls\":" + tls) + "}}").orElseThrow();
    }

    private static String pinnedSite(String upstream) {
        return "{\"domain\":\"site.example.org\",\"acme_directory\":\"https://acme.example/dir\",\"acme_root\":" + TextNode.valueOf(rootPem)
                + (upstream == null ? "" : ",\"upstream\":\"" + upstream + "\"") + "}";
    }

    private static NodeTlsOptions.Site site(ClusterPin pin, String... args) throws Exception {
        NodeTlsOptions o = new NodeTlsOptions();
        CommandLine cmd = new CommandLine(o);
        cmd.parseArgs(args);
        return o.site(cmd, pin);
    }

    @Test
    void thePinnedSiteIsServedAndTheFlagsMayOnlyRepeatIt() throws Exception {
        for (boolean devnet : new boolean[] {false, true}) {
            NodeTlsOptions.Site s = site(pin(devnet, pinnedSite("http://app:8080")));
            assertThat(s.pinned()).isTrue();
            assertThat(s.domain().name()).isEqualTo("site.example.org");
            assertThat(s.acmeDirectory()).isEqualTo(URI.create("https://acme.example/dir"));
            assertThat(s.roots()).hasSize(1);
            assertThat(s.roots().getFirst().getSubjectX500Principal().getName()).contains("TEST ONLY acme root");
            assertThat(s.upstream()).contains(URI.create("http://app:8080"));
        }
        ClusterPin p = pin(false, pinnedSite("http://app:8080"));
        assertThat(site(p, "--tls-domain", "SITE.example.org", "--acme-directory", "https://acme.example/dir", "--tls-upstream", "http://app:8080")
                .domain().name()).isEqualTo("site.example.org");
        assertThatThrownBy(() -> site(p, "--tls-domain", "other.example.org")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--tls-domain other.example.org differs from site.example.org, which is pinned in the app-compose "
                        + "(dstack4j_cluster.tls.domain); drop the option");
        assertThatThrownBy(() -> site(p, "--acme-directory", "https://host-ca.example/dir")).hasMessageContaining("--acme-directory differs")
                .hasMessageContaining("dstack4j_cluster.tls.acme_directory");
        assertThatThrownBy(() -> site(p, "--acme-root", rootFile.toString())).hasMessageContaining("--acme-root: the ACME roots is pinned")
                .hasMessageContaining("tls.acme_root");
        assertThatThrownBy(() -> site(p, "--tls-upstream", "http://127.0.0.1:9999")).hasMessageContaining("--tls-upstream differs")
                .hasMessageContaining("tls.upstream");
        assertThatThrownBy(() -> site(pin(false, pinnedSite(null)), "--tls-upstream", "http://app:8080")).hasMessageContaining("--tls-upstream differs");
    }

    @Test
    void aSiteNamedByFlagsIsADevnetOnlyFallback() throws Exception {
        String[] flags = {"--tls-domain", "site.cluster.test", "--acme-directory", "https://127.0.0.1:14000/dir", "--acme-root", rootFile.toString()};
        NodeTlsOptions.Site s = site(pin(true, null), flags);
        assertThat(s.pinned()).isFalse();
        assertThat(s.domain().name()).isEqualTo("site.cluster.test");
        assertThat(s.upstream()).isEmpty();
        assertThatThrownBy(() -> site(pin(false, null), flags)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("--tls-domain: pin the site in the app-compose (dstack4j_cluster.tls")
                .hasMessageContaining("only in a devnet pin (allow_test_root)");
        assertThatThrownBy(() -> site(pin(true, null), "--tls-domain", "site.cluster.test", "--acme-root", rootFile.toString()))
                .hasMessage("--tls-domain needs --acme-directory URL");
        assertThat(site(pin(false, null))).as("no pin and no flag: no site").isNull();
        assertThatThrownBy(() -> site(pin(false, null), "--tls-store", dir.toString())).hasMessage("the --acme-*/--tls-* options need --tls-domain NAME");
    }
}
