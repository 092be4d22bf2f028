package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.dstack4j.vmm.VmmDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dstack4j cvm} against the VMM test double: requests in the proto's JSON, each error one line and exit 1. */
class CvmCliTest {
    @TempDir
    Path tmp;
    VmmDouble vmm;

    @BeforeEach
    void start() throws Exception {
        vmm = new VmmDouble();
    }

    @AfterEach
    void stop() {
        vmm.close();
    }

    CliRun cvm(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "cvm";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--vmm-url";
        all[args.length + 2] = vmm.url().toString();
        return CliRun.of(all);
    }

    @Test
    void deployBuildsTheMpcAppComposeAndShowsTheBoot() throws Exception {
        Path compose = Files.writeString(tmp.resolve("launcher.yaml"), "services:\n  launcher:\n    image: launcher@sha256:" + "ab".repeat(32) + "\n");
        Path userConfig = Files.writeString(tmp.resolve("user_config"), "MPC_ACCOUNT_ID=node.near\n");
        CliRun r = cvm("deploy", "--name", "mpc-node", "--image", "dstack-0.5.8", "--docker-compose", compose.toString(),
                "--memory", "64G", "--disk", "100G", "--port", "tcp:0.0.0.0:80:80", "--user-config", userConfig.toString());
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode req = vmm.requests().getFirst().body();
        assertThat(vmm.requests().getFirst().method()).isEqualTo("CreateVm");
        assertThat(req.get("vcpu").asInt()).isEqualTo(8);
        assertThat(req.get("memory").asInt()).isEqualTo(65536);
        assertThat(req.get("disk_size").asInt()).isEqualTo(100);
        assertThat(req.get("user_config").asText()).isEqualTo("MPC_ACCOUNT_ID=node.near\n");
        JsonNode appCompose = new ObjectMapper().readTree(req.get("compose_file").asText());
        assertThat(appCompose.get("local_key_provider_enabled").asBoolean()).isTrue();
        assertThat(appCompose.get("gateway_enabled").asBoolean()).isFalse();
        assertThat(appCompose.get("no_instance_id").asBoolean()).isTrue();
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(req.get("compose_file").asText().getBytes()));
        assertThat(r.field("compose-hash:")).isEqualTo(hash);
        String id = r.field("vm:");
        for (String step : VmmDouble.BOOT_STEPS) assertThat(r.err()).contains("booting " + id + ": " + step + "\n");
        assertThat(r.err()).contains("VM " + id + " booted in ");
        // the app-compose passes the MPC contract's rules
        Path written = Files.writeString(tmp.resolve("app-compose.json"), req.get("compose_file").asText());
        assertThat(CliRun.of("app-compose", "normalize", written.toString(), "--check").status()).isZero();
    }

    @Test
    void lsStopUpdateStartLogsInfo() throws Exception {
        String id = vmm.addVm("mpc-node", "running");
        assertThat(cvm("ls").out()).contains(id).contains("mpc-node").contains("running");
        Path uc = Files.writeString(tmp.resolve("uc"), "A=1\nMPC_SECRET_STORE_KEY=planted-secret-0123\n");
        CliRun refused = cvm("update-user-config", id, uc.toString());
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("dstack4j cvm: VM " + id + " is running: update-user-config refused; stop it first (dstack4j cvm stop " + id + ")\n");
        assertThat(cvm("stop", id).status()).isZero();
        assertThat(cvm("update-user-config", id, uc.toString()).status()).isZero();
        assertThat(vmm.vm(id).at("/configuration/user_config").asText()).isEqualTo(Files.readString(uc));
        CliRun started = cvm("start", id);
        assertThat(started.status()).as(started.err()).isZero();
        assertThat(started.err()).contains("booted");
        assertThat(cvm("logs", id).out()).isEqualTo(String.join("\n", vmm.logLines) + "\n");
        CliRun info = cvm("info", id);
        assertThat(new ObjectMapper().readTree(info.out()).get("status").asText()).isEqualTo("running");
        // the user_config may hold node secrets: info and ls --json show its size only
        assertThat(new ObjectMapper().readTree(info.out()).at("/configuration/user_config").asText())
                .isEqualTo("<" + Files.size(uc) + " bytes, not shown>");
        assertThat(info.out() + cvm("ls", "--json").out()).doesNotContain("planted-secret-0123");
    }

    @Test
    void eachErrorIsOneLineAndNonZero() {
        CliRun unknown = cvm("stop", "no-such-vm");
        assertThat(unknown.status()).isEqualTo(1);
        assertThat(unknown.err().lines()).singleElement().asString().contains("has no VM no-such-vm");
        vmm.requiredAuthorization = "Bearer right";
        CliRun refused = CliRun.of("cvm", "ls", "--vmm-url", vmm.url().toString(), "--token", "wrong-s3cret");
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err().lines()).singleElement().asString().contains("HTTP 401").doesNotContain("wrong-s3cret");
        assertThat(CliRun.of("cvm", "ls", "--vmm-url", vmm.url().toString(), "--token", "right").status()).isZero();
        assertThat(vmm.requests().getLast().authorization()).isEqualTo("Bearer right");
        String url = vmm.url().toString();
        vmm.close();
        CliRun down = CliRun.of("cvm", "ls", "--vmm-url", url);
        assertThat(down.status()).isEqualTo(1);
        assertThat(down.err().lines()).singleElement().asString().contains("is unreachable");
        assertThat(CliRun.of("cvm", "ls", "--vmm-url", "file:///x").status()).isEqualTo(2);
    }
}
