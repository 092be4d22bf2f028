package org.dstack4j.cli.vmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.Sizes;
import org.dstack4j.measure.compose.AppComposeDocument;
import org.dstack4j.measure.compose.AppComposeSpec;
import org.dstack4j.sdk.TerminalText;
import org.dstack4j.sdk.Utf8;
import org.dstack4j.vmm.VmSpec;
import org.dstack4j.vmm.VmmClient;
import org.dstack4j.vmm.VmmException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dstack4j cvm …}: the operator's CVMs on a dstack VMM (docs/operator.md). */
@Command(
        name = "cvm",
        header = "Manage CVMs on a dstack VMM: ls, deploy, start, stop, update-user-config, logs, info.",
        mixinStandardHelpOptions = true,
        description = {"A client of dstack-vmm's API (vmm_rpc.proto, dstack 0.5.8), like vmm-cli.py.", ""},
        footer = {"", "Exit status: 0 done, 1 the VMM refused or failed (one line says why), 2 bad input.", "",
            "Examples:",
            "  export DSTACK_VMM_URL=http://127.0.0.1:8080 DSTACK_VMM_TOKEN=...",
            "  dstack4j cvm deploy --name mpc-node --image dstack-0.5.8 --docker-compose launcher.yaml \\",
            "      --vcpu 8 --memory 64G --disk 500G --port tcp:0.0.0.0:80:80 --user-config user_config",
            "  dstack4j cvm stop ID && dstack4j cvm update-user-config ID user_config \\",
            "      && dstack4j cvm start ID",
            "  dstack4j cvm logs -f <id>"},
        subcommands = {CvmCommand.Ls.class, CvmCommand.Deploy.class, CvmCommand.Start.class, CvmCommand.Stop.class,
            CvmCommand.UpdateUserConfig.class, CvmCommand.Logs.class, CvmCommand.Info.class})
public final class CvmCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Largest user_config read: 1 MiB. */
    static final int MAX_USER_CONFIG = 1 << 20;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    interface Body {
        int run(VmmClient vmm, PrintWriter out, PrintWriter err) throws VmmException, MeasureInputException, InterruptedException, java.io.IOException;
    }

    /** Runs {@code body}; one line on stderr and exit 1 (VMM) or 2 (input) on failure. */
    static int with(CommandSpec spec, VmmOptions opts, Body body) {
        PrintWriter err = spec.commandLine().getErr();
        VmmClient vmm;
        try {
            vmm = opts.open();
        } catch (IllegalArgumentException e) {
            err.println("dstack4j cvm: " + e.getMessage());
            return 2;
        }
        try (vmm) {
            return body.run(vmm, spec.commandLine().getOut(), err);
        } catch (VmmException e) {
            err.println("dstack4j cvm: " + e.getMessage());
            return 1;
        } catch (MeasureInputException | IllegalArgumentException e) {
            err.println("dstack4j cvm: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (java.io.IOException e) {
            err.println("dstack4j cvm: " + e.getMessage());
            return 1;
        }
    }

    static String text(Path file, String flag, long max) throws MeasureInputException {
        try {
            return Utf8.decodeStrict(InputFiles.read(file, flag, max));
        } catch (CharacterCodingException e) {
            throw new MeasureInputException(flag + " " + file + " is not valid UTF-8", e);
        }
    }

    /** Waits for the boot, one progress line per change on stderr. */
    static int awaitBoot(VmmClient vmm, String id, Duration max, PrintWriter err) throws VmmException, InterruptedException {
        long t0 = System.nanoTime();
        vmm.awaitBoot(id, Duration.ofSeconds(1), max, p -> {
            err.println("booting " + id + ": " + p);
            err.flush();
        });
        err.println("VM " + id + " booted in " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");
        return 0;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the VMs: id, name, status, boot progress, uptime, image.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        VmmOptions vmm;
        @Option(names = "--json", description = "print the VMM's Status answer as JSON")
        boolean json;

        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                JsonNode s = c.status();
                if (json) {
                    out.println(JSON.writeValueAsString(withoutUserConfig(s)));
                    return 0;
                }
                out.printf("%-36s  %-20s  %-8s  %-22s  %-10s  %s%n", "ID", "NAME", "STATUS", "BOOT", "UPTIME", "IMAGE");
                for (JsonNode vm : s.path("vms")) {
                    out.printf("%-36s  %-20s  %-8s  %-22s  %-10s  %s%n", e(vm, "id"), e(vm, "name"), e(vm, "status"), e(vm, "boot_progress"),
                            e(vm, "uptime"), TerminalText.escape(vm.path("configuration").path("image").asText("")));
                }
                return 0;
            });
        }
    }

    static String e(JsonNode n, String field) {
        return TerminalText.escape(n.path(field).asText(""));
    }

    /** The app-compose: a file, or built from a docker compose with the MPC contract's settings. */
    static final class ComposeSource {
        @Option(names = "--compose", paramLabel = "FILE", description = "an app-compose.json, normalised the vmm-cli way")
        Path compose;

        @Option(names = "--docker-compose", paramLabel = "FILE",
                description = "a docker compose file (e.g. the rendered launcher compose): app-compose built with the MPC contract's "
                        + "settings (local key provider, public logs and sysinfo, no instance id, no KMS, no gateway)")
        Path dockerCompose;
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create a CVM (CreateVm) and wait until it has booted, printing its boot progress.",
                "Prints the VM id and the compose-hash the CVM will measure into RTMR3."})
    static final class Deploy implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        VmmOptions vmm;
        @Option(names = "--name", required = true, description = "VM (and app) name") String name;
        @Option(names = "--image", required = true, description = "OS image, as the VMM names it (e.g. dstack-0.5.8)") String image;
        @ArgGroup(exclusive = true, multiplicity = "1") ComposeSource source;
        @Option(names = "--key-provider", paramLabel = "local|kms|none", defaultValue = "local",
                description = "with --docker-compose: the key provider. Default: ${DEFAULT-VALUE} (the MPC setting)") String keyProvider;
        @Option(names = "--key-provider-id", paramLabel = "HEX", description = "with --docker-compose: key_provider_id") String keyProviderId;
        @Option(names = "--vcpu", defaultValue = "8", description = "vCPUs. Default: ${DEFAULT-VALUE}") int vcpu;
        @Option(names = "--memory", defaultValue = "64G", paramLabel = "SIZE", description = "RAM, e.g. 64G or 2048M. Default: ${DEFAULT-VALUE}") String memory;
        @Option(names = "--disk", defaultValue = "500G", paramLabel = "SIZE", description = "data disk (whole GiB). Default: ${DEFAULT-VALUE}") String disk;
        @Option(names = "--port", paramLabel = "PROTO[:ADDR]:HOST:VM", description = "port mapping, repeatable, e.g. tcp:0.0.0.0:80:80") List<String> ports = List.of();
        @Option(names = "--user-config", paramLabel = "FILE", description = "the user_config (/tapp/user_config in the CVM)") Path userConfig;
        @Option(names = "--app-id", paramLabel = "HEX40", description = "app id (default: the VMM derives it from the compose hash)") String appId;
        @Option(names = "--kms-url", paramLabel = "URL", description = "KMS URL, repeatable") List<String> kmsUrls = List.of();
        @Option(names = "--gateway-url", paramLabel = "URL", description = "gateway URL, repeatable") List<String> gatewayUrls = List.of();
        @Option(names = "--stopped", description = "create without starting") boolean stopped;
        @Option(names = "--no-wait", description = "return after CreateVm, do not wait for the boot") boolean noWait;
        @Option(names = "--boot-timeout", paramLabel = "SECONDS", defaultValue = "900", description = "how long to wait for the boot. Default: ${DEFAULT-VALUE}") long bootTimeout;

        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                AppComposeDocument doc = source.compose != null
                        ? AppComposeDocument.normalize(InputFiles.read(source.compose, "--compose", AppComposeDocument.MAX_BYTES), source.compose.toString())
                        : mpcCompose();
                long memMib = Sizes.mebibytes(memory, "--memory");
                long diskBytes = Sizes.bytes(disk, "--disk");
                if (diskBytes % (1L << 30) != 0) throw new IllegalArgumentException("--disk must be whole GiB (the VMM takes GiB)");
                if (memMib > Integer.MAX_VALUE || diskBytes >> 30 > Integer.MAX_VALUE) throw new IllegalArgumentException("--memory or --disk is too large");
                VmSpec vm = new VmSpec(name, image, doc.text(), vcpu, (int) memMib, (int) (diskBytes >> 30),
                        ports.stream().map(VmSpec.Port::parse).toList(),
                        userConfig == null ? "" : text(userConfig, "--user-config", MAX_USER_CONFIG),
                        Optional.ofNullable(appId), kmsUrls, gatewayUrls, stopped);
                String id = c.create(vm);
                out.println("vm:           " + TerminalText.escape(id));
                out.println("compose-hash: " + org.dstack4j.sdk.Hex.encode(doc.composeHash()));
                out.flush();
                if (stopped || noWait) return 0;
                return awaitBoot(c, id, Duration.ofSeconds(bootTimeout), err);
            });
        }

        private AppComposeDocument mpcCompose() throws MeasureInputException {
            if (!List.of("local", "kms", "none").contains(keyProvider)) {
                throw new MeasureInputException("--key-provider must be local, kms or none");
            }
            AppComposeSpec s = new AppComposeSpec(name, text(source.dockerCompose, "--docker-compose", AppComposeDocument.MAX_BYTES),
                    Optional.empty(), false, false, keyProvider.equals("local"), Optional.of(keyProvider),
                    Optional.ofNullable(keyProviderId), true, true, List.of(), true, false, Optional.empty());
            return AppComposeDocument.build(s);
        }
    }

    /** A command on one VM id. */
    abstract static class OnVm implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        VmmOptions vmm;
        @Parameters(index = "0", paramLabel = "VM_ID", description = "the VM's id ('dstack4j cvm ls')")
        String id;
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a stopped VM (StartVm) and wait for its boot.")
    static final class Start extends OnVm {
        @Option(names = "--no-wait", description = "do not wait for the boot") boolean noWait;
        @Option(names = "--boot-timeout", paramLabel = "SECONDS", defaultValue = "900", description = "Default: ${DEFAULT-VALUE}") long bootTimeout;

        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                c.start(id);
                out.println("started " + TerminalText.escape(id));
                out.flush();
                return noWait ? 0 : awaitBoot(c, id, Duration.ofSeconds(bootTimeout), err);
            });
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a VM (StopVm: power off).")
    static final class Stop extends OnVm {
        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                c.stop(id);
                out.println("stopped " + TerminalText.escape(id));
                return 0;
            });
        }
    }

    @Command(name = "update-user-config", mixinStandardHelpOptions = true,
            description = {"Replace a stopped VM's user_config (UpgradeApp); refuses a running VM (stop it first).",
                "The node reads it at its next start."})
    static final class UpdateUserConfig extends OnVm {
        @Parameters(index = "1", paramLabel = "FILE", description = "the new user_config") Path file;

        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                c.updateUserConfig(id, text(file, "user_config", MAX_USER_CONFIG));
                out.println("user_config of " + TerminalText.escape(id) + " replaced; start the VM to use it");
                return 0;
            });
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a VM's console log (GET /logs); -f follows it.")
    static final class Logs extends OnVm {
        @Option(names = {"-f", "--follow"}, description = "keep printing new lines until interrupted") boolean follow;
        @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "lines from the end. Default: ${DEFAULT-VALUE}") int lines;

        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                c.logs(id, follow, lines, l -> {
                    out.println(l);
                    if (follow) out.flush();
                });
                return 0;
            });
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Print a VM's GetInfo answer (status, boot progress, configuration) as JSON.")
    static final class Info extends OnVm {
        @Override
        public Integer call() {
            return with(spec, vmm, (c, out, err) -> {
                out.println(JSON.writeValueAsString(withoutUserConfig(c.require(id))));
                return 0;
            });
        }
    }

    /**
     * A copy of a VMM answer with every {@code user_config} replaced by its size: an MPC user_config may hold
     * the node's secrets ({@code [mpc_node_config.secrets]}), which never reach a terminal or a log.
     */
    static JsonNode withoutUserConfig(JsonNode answer) {
        JsonNode copy = answer.deepCopy();
        mask(copy);
        return copy;
    }

    private static void mask(JsonNode node) {
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            JsonNode uc = o.get("user_config");
            if (uc != null && uc.isTextual()) {
                o.put("user_config", "<" + uc.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes, not shown>");
            }
            o.properties().forEach(e -> { if (!e.getKey().equals("user_config")) mask(e.getValue()); });
        } else if (node.isArray()) {
            node.forEach(CvmCommand::mask);
        }
    }
}
