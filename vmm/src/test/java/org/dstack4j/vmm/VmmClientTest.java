package org.dstack4j.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VmmClientTest {
    /** Field names of the proto's messages (vmm_rpc.proto, v0.5.8) that requests may carry. */
    static final Set<String> VM_CONFIGURATION = Set.of("name", "image", "compose_file", "vcpu", "memory", "disk_size", "ports",
            "encrypted_env", "app_id", "user_config", "hugepages", "pin_numa", "gpus", "kms_urls", "gateway_urls", "stopped", "no_tee", "networking");
    static final Set<String> PORT_MAPPING = Set.of("protocol", "host_port", "vm_port", "host_address");
    static final Set<String> UPDATE_VM_REQUEST = Set.of("id", "compose_file", "encrypted_env", "user_config", "update_ports", "ports",
            "update_kms_urls", "kms_urls", "update_gateway_urls", "gateway_urls", "gpus", "vcpu", "memory", "disk_size", "image", "no_tee");
    static final Set<String> ID = Set.of("id");
    static final Set<String> STATUS_REQUEST = Set.of("ids", "brief", "keyword", "page", "page_size");

    VmmDouble vmm;
    VmmClient client;

    @BeforeEach
    void start() throws Exception {
        vmm = new VmmDouble();
        client = new VmmClient(vmm.url(), new VmmAuth.None(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        client.close();
        vmm.close();
    }

    static void assertFieldsOf(JsonNode body, Set<String> message) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        assertThat(message).containsAll(names);
    }

    @Test
    void createSendsTheProtosVmConfigurationAndBoots() throws Exception {
        VmSpec spec = new VmSpec("mpc-node", "dstack-0.5.8", "{\"manifest_version\": 2}", 8, 65536, 500,
                List.of(VmSpec.Port.parse("tcp:0.0.0.0:8080:8080"), VmSpec.Port.parse("tcp:13030:3030")), "MPC_ACCOUNT_ID=a.near\n",
                Optional.empty(), List.of(), List.of(), false);
        String id = client.create(spec);
        VmmDouble.Request req = vmm.requests().getFirst();
        assertThat(req.method()).isEqualTo("CreateVm");
        assertFieldsOf(req.body(), VM_CONFIGURATION);
        for (JsonNode p : req.body().get("ports")) assertFieldsOf(p, PORT_MAPPING);
        assertThat(req.body().get("memory").asInt()).isEqualTo(65536);
        assertThat(req.body().get("disk_size").asInt()).isEqualTo(500);
        assertThat(req.body().get("ports").get(1).get("host_address").asText()).isEqualTo("127.0.0.1");
        assertThat(req.body().get("user_config").asText()).isEqualTo("MPC_ACCOUNT_ID=a.near\n");
        List<String> progress = new ArrayList<>();
        JsonNode info = client.awaitBoot(id, Duration.ofMillis(1), Duration.ofSeconds(5), progress::add);
        assertThat(progress).containsExactlyElementsOf(VmmDouble.BOOT_STEPS);
        assertThat(info.get("status").asText()).isEqualTo("running");
        vmm.requests().stream().filter(r -> r.method().equals("GetInfo")).forEach(r -> assertFieldsOf(r.body(), ID));
    }

    @Test
    void startStopAndUserConfigOnlyWhenStopped() throws Exception {
        String id = vmm.addVm("node", "running");
        assertThatThrownBy(() -> client.updateUserConfig(id, "X=1\n")).isInstanceOfSatisfying(VmmException.class, e -> {
            assertThat(e.error()).isInstanceOf(VmmError.WrongState.class);
            assertThat(e.getMessage()).isEqualTo("VM " + id + " is running: update-user-config refused; stop it first (dstack4j cvm stop " + id + ")");
        });
        assertThat(vmm.requests()).noneMatch(r -> r.method().equals("UpgradeApp"));
        client.stop(id);
        client.updateUserConfig(id, "X=1\n");
        VmmDouble.Request up = vmm.requests().stream().filter(r -> r.method().equals("UpgradeApp")).findFirst().orElseThrow();
        assertFieldsOf(up.body(), UPDATE_VM_REQUEST);
        assertThat(up.body().toString()).isEqualTo("{\"id\":\"" + id + "\",\"user_config\":\"X=1\\n\"}");
        assertThat(vmm.vm(id).at("/configuration/user_config").asText()).isEqualTo("X=1\n");
        client.start(id);
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
        vmm.requests().stream().filter(r -> Set.of("StartVm", "StopVm").contains(r.method())).forEach(r -> assertFieldsOf(r.body(), ID));
        assertFieldsOf(client.status().get("vms").get(0), Set.of("id", "name", "status", "uptime", "app_url", "app_id", "instance_id",
                "configuration", "exited_at", "boot_progress", "boot_error", "shutdown_progress", "image_version", "events"));
        vmm.requests().stream().filter(r -> r.method().equals("Status")).forEach(r -> assertFieldsOf(r.body(), STATUS_REQUEST));
    }

    static List<String> methods(VmmDouble vmm) {
        return vmm.requests().stream().map(VmmDouble.Request::method).filter(m -> !m.equals("GetInfo")).toList();
    }

    @Test
    void restartShutsTheGuestDownThenStartsIt() throws Exception {
        String id = vmm.addVm("node", "running");
        assertThat(client.restart(id, Duration.ofSeconds(5), Duration.ofMillis(10))).isEqualTo(VmmClient.Stopped.GRACEFULLY);
        assertThat(methods(vmm)).containsExactly("ShutdownVm", "StartVm");
        vmm.requests().stream().filter(r -> !r.method().startsWith("logs")).forEach(r -> assertFieldsOf(r.body(), ID));
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
        assertThat(vmm.vm(id).get("boot_progress").asText()).isEqualTo("booting"); // a fresh boot
    }

    @Test
    void restartForcesAStopWhenTheGuestIgnoresTheShutdown() throws Exception {
        String id = vmm.addVm("node", "running");
        vmm.guestIgnoresShutdown = true;
        assertThat(client.restart(id, Duration.ofMillis(100), Duration.ofMillis(10))).isEqualTo(VmmClient.Stopped.FORCED);
        assertThat(methods(vmm)).containsExactly("ShutdownVm", "StopVm", "StartVm");
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
    }

    @Test
    void restartToleratesAFailedStatusPollAfterTheShutdown() throws Exception {
        String id = vmm.addVm("node", "running");
        vmm.fail("GetInfo", 1, 1); // the first GetInfo (before ShutdownVm) passes, the first poll fails
        assertThat(client.restart(id, Duration.ofSeconds(5), Duration.ofMillis(10))).isEqualTo(VmmClient.Stopped.GRACEFULLY);
        assertThat(methods(vmm)).containsExactly("ShutdownVm", "StartVm");
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
    }

    @Test
    void restartRetriesAFailedStopAndStillStarts() throws Exception {
        String id = vmm.addVm("node", "running");
        vmm.guestIgnoresShutdown = true;
        vmm.fail("StopVm", 0, 1);
        assertThat(client.restart(id, Duration.ofMillis(100), Duration.ofMillis(10))).isEqualTo(VmmClient.Stopped.FORCED);
        assertThat(methods(vmm)).containsExactly("ShutdownVm", "StopVm", "StopVm", "StartVm");
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
    }

    @Test
    void anInterruptDuringTheGracePeriodStillStartsTheVmAndKeepsTheFlag() throws Exception {
        String id = vmm.addVm("node", "running");
        vmm.guestIgnoresShutdown = true;
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean flagAfter = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                outcome.set(client.restart(id, Duration.ofMinutes(5), Duration.ofMillis(10)));
            } catch (Exception e) {
                outcome.set(e);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // in the grace period: a status poll after the ShutdownVm (an interrupt during the ShutdownVm call counts too)
        while (System.nanoTime() < end && vmm.requests().stream().map(VmmDouble.Request::method).dropWhile(m -> !m.equals("ShutdownVm"))
                .noneMatch("GetInfo"::equals)) {
            Thread.sleep(5);
        }
        t.interrupt(); // as RebootForwarder.close() does when the relay is stopped
        t.join(20_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(outcome.get()).isEqualTo(VmmClient.Stopped.FORCED);
        assertThat(flagAfter).isTrue();
        assertThat(methods(vmm)).containsExactly("ShutdownVm", "StopVm", "StartVm");
        assertThat(vmm.vm(id).get("status").asText()).isEqualTo("running");
    }

    @Test
    void restartGivesUpAfterBoundedStartAttemptsAndSaysSo() throws Exception {
        String id = vmm.addVm("node", "running");
        vmm.fail("StartVm", 0, 100);
        assertThatThrownBy(() -> client.restart(id, Duration.ofSeconds(5), Duration.ofMillis(10)))
                .isInstanceOfSatisfying(VmmException.class, e -> assertThat(e.error()).isInstanceOf(VmmError.WrongState.class))
                .hasMessageContaining("VM " + id + " is shut down: restart gave up starting it again after " + VmmClient.START_ATTEMPTS + " attempts")
                .hasMessageContaining("StartVm unexpectedly: HTTP 500")
                .hasMessageEndingWith("start it: dstack4j cvm start " + id);
        assertThat(methods(vmm)).filteredOn("StartVm"::equals).hasSize(VmmClient.START_ATTEMPTS);
    }

    @Test
    void restartOfAStoppedVmStartsIt() throws Exception {
        String id = vmm.addVm("node", "stopped");
        assertThat(client.restart(id, Duration.ofSeconds(5), Duration.ofMillis(10))).isEqualTo(VmmClient.Stopped.WAS_NOT_RUNNING);
        assertThat(methods(vmm)).containsExactly("StartVm");
        assertThatThrownBy(() -> client.restart("nope", Duration.ofSeconds(1), Duration.ofMillis(10)))
                .hasMessage("VMM " + client.vmm() + " has no VM nope ('dstack4j cvm ls' lists them)");
    }

    @Test
    void errorsAreOneClearLine() throws Exception {
        assertThatThrownBy(() -> client.stop("nope")).isInstanceOfSatisfying(VmmException.class,
                e -> assertThat(e.getMessage()).isEqualTo("VMM " + client.vmm() + " has no VM nope ('dstack4j cvm ls' lists them)"));
        String id = vmm.addVm("node", "running");
        assertThatThrownBy(() -> client.start(id)).hasMessage("VMM " + client.vmm() + " refused StartVm: VM is already running");
        vmm.requiredAuthorization = new VmmAuth.Bearer("t0ken").header().orElseThrow();
        assertThatThrownBy(client::status).isInstanceOfSatisfying(VmmException.class, e -> {
            assertThat(e.error()).isInstanceOf(VmmError.AuthRefused.class);
            assertThat(e.getMessage()).contains("HTTP 401").doesNotContain("t0ken");
        });
        try (VmmClient withToken = new VmmClient(vmm.url(), new VmmAuth.Bearer("t0ken"), Duration.ofSeconds(5))) {
            assertThat(withToken.status().get("vms").size()).isEqualTo(1);
        }
        vmm.requiredAuthorization = new VmmAuth.Basic("op", "pw").header().orElseThrow();
        try (VmmClient basic = new VmmClient(vmm.url(), new VmmAuth.Basic("op", "pw"), Duration.ofSeconds(5))) {
            List<String> lines = new ArrayList<>();
            basic.logs(id, false, 20, lines::add);
            assertThat(lines).containsExactlyElementsOf(vmm.logLines);
            assertThat(vmm.requests().getLast().method()).isEqualTo("logs?id=" + id + "&follow=false&ansi=false&lines=20");
        }
        int port = vmm.url().getPort();
        vmm.close();
        try (VmmClient down = new VmmClient(java.net.URI.create("http://127.0.0.1:" + port), new VmmAuth.None(), Duration.ofSeconds(2))) {
            assertThatThrownBy(down::status).hasMessageStartingWith("VMM http://127.0.0.1:" + port + " is unreachable (ConnectException) for Status");
        }
        assertThat(new VmmAuth.Basic("op", "pw").toString()).doesNotContain("pw");
    }

    @Test
    void aConsoleLineLongerThanTheCapIsCutAndTheNextLineKept() throws Exception {
        String id = client.create(new VmSpec("n", "dstack-0.5.8", "{}", 1, 1024, 10, List.of(), "", Optional.empty(),
                List.of(), List.of(), false));
        vmm.logLines = List.of("x".repeat(4 * VmmClient.MAX_LOG_LINE), "after\r", "\u001b[2Jcleared");
        List<String> lines = new ArrayList<>();
        client.logs(id, true, 0, lines::add);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("xxx").endsWith("... [line cut at " + VmmClient.MAX_LOG_LINE + " bytes]");
        assertThat(lines.get(1)).isEqualTo("after");
        assertThat(lines.get(2)).isEqualTo("\\u001b[2Jcleared");
    }
}
