package org.dstack4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.Sizes;
import org.dstack4j.measure.compose.AppComposeDocument;
import org.dstack4j.measure.compose.AppComposeSpec;
import org.dstack4j.measure.compose.MpcComposeRules;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.Utf8;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dstack4j app-compose normalize|build}: the app-compose.json bytes exactly as dstack's
 * {@code vmm-cli.py compose} writes them, with compose-hash, app-id and mr_config_id.
 */
@Command(
        name = "app-compose",
        mixinStandardHelpOptions = true,
        description = {"App-compose bytes exactly as dstack's vmm-cli.py compose writes them.",
            "Prints compose-hash (RTMR3), app-id and mr_config_id. A byte of whitespace changes the hash."},
        subcommands = {AppComposeCommand.Normalize.class, AppComposeCommand.Build.class},
        footer = {"", "Exit status: 0 done (and --check passes), 1 --check fails, 2 bad input."})
public final class AppComposeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options both subcommands share. */
    static final class Common {
        @Option(names = "--output", paramLabel = "FILE", description = "write the app-compose bytes here")
        Path output;

        @Option(names = "--check", description = "apply the MPC contract's app-compose rules (exit 1 when one fails)")
        boolean check;

        @Option(names = "--app-id", paramLabel = "HEX", description = "the CVM's own 20-byte app id, for mr_config_id v2 "
                + "(default: the compose-hash's first 20 bytes)")
        String appId;

        int finish(AppComposeDocument doc, CommandSpec spec) throws MeasureInputException {
            PrintWriter out = spec.commandLine().getOut();
            if (output != null) {
                try {
                    Files.write(output, doc.bytes());
                } catch (IOException e) {
                    throw new MeasureInputException("cannot write --output " + output + ": " + e.getMessage(), e);
                }
                out.println("app-compose: " + output + " (" + doc.bytes().length + " bytes)");
            }
            byte[] app = null;
            if (appId != null) {
                try {
                    app = Hex.decode(appId);
                } catch (IllegalArgumentException e) {
                    throw new MeasureInputException("--app-id must be 40 hex digits: " + e.getMessage(), e);
                }
                if (app.length != 20) throw new MeasureInputException("--app-id must be 20 bytes (40 hex digits), got " + app.length);
            }
            out.println("compose-hash: " + Hex.encode(doc.composeHash()));
            out.println("app-id:       " + (app == null ? Hex.encode(doc.appId()) : appId.toLowerCase(java.util.Locale.ROOT)));
            out.println("mr_config_id: " + Hex.encode(doc.mrConfigId(app)));
            if (!check) return 0;
            List<String> broken = MpcComposeRules.violations(doc.json());
            if (broken.isEmpty()) {
                out.println("MPC rules:    pass");
                return 0;
            }
            out.println("MPC rules:    FAIL");
            broken.forEach(b -> out.println("  - " + b));
            return 1;
        }
    }

    @Command(name = "normalize", mixinStandardHelpOptions = true,
            description = "Re-write any JSON form of an app-compose (compact, pretty, any key order) the vmm-cli way.")
    static final class Normalize implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "app-compose JSON")
        Path file;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            return Cli.guard(spec, "app-compose normalize", () -> {
                byte[] in = InputFiles.read(file, "app-compose", AppComposeDocument.MAX_BYTES);
                return common.finish(AppComposeDocument.normalize(in, file.toString()), spec);
            });
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Build app-compose.json from vmm-cli.py compose's flags.")
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "app name") String name;
        @Option(names = "--docker-compose", required = true, paramLabel = "FILE", description = "docker compose file") Path dockerCompose;
        @Option(names = "--prelaunch-script", paramLabel = "FILE") Path prelaunchScript;
        @Option(names = "--kms", description = "enable KMS") boolean kms;
        @Option(names = "--gateway", description = "enable dstack-gateway") boolean gateway;
        @Option(names = "--local-key-provider", description = "enable the local (SGX) key provider") boolean localKeyProvider;
        @Option(names = "--key-provider", paramLabel = "none|kms|local") String keyProvider;
        @Option(names = "--key-provider-id", paramLabel = "HEX") String keyProviderId;
        @Option(names = "--public-logs") boolean publicLogs;
        @Option(names = "--public-sysinfo") boolean publicSysinfo;
        @Option(names = "--env-file", paramLabel = "FILE", description = "KEY=VALUE lines; only the names are written (allowed_envs)") Path envFile;
        @Option(names = "--no-instance-id") boolean noInstanceId;
        @Option(names = "--secure-time") boolean secureTime;
        @Option(names = "--swap", paramLabel = "SIZE", description = "e.g. 4G; 0 disables") String swap;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            return Cli.guard(spec, "app-compose build", () -> {
                if (keyProvider != null && !List.of("none", "kms", "local").contains(keyProvider)) {
                    throw new MeasureInputException("--key-provider must be none, kms or local, got \"" + keyProvider + "\"");
                }
                AppComposeSpec s = new AppComposeSpec(name, text(dockerCompose, "--docker-compose"),
                        prelaunchScript == null ? Optional.empty() : Optional.of(text(prelaunchScript, "--prelaunch-script")),
                        kms, gateway, localKeyProvider, Optional.ofNullable(keyProvider),
                        Optional.ofNullable(keyProviderId).filter(k -> !k.isEmpty()), publicLogs, publicSysinfo,
                        envFile == null ? List.of() : envNames(envFile), noInstanceId, secureTime,
                        swap == null ? Optional.empty() : Optional.of(Sizes.mebibytes(swap, "--swap")));
                return common.finish(AppComposeDocument.build(s), spec);
            });
        }

        private static String text(Path file, String flag) throws MeasureInputException {
            try {
                return Utf8.decodeStrict(InputFiles.read(file, flag, AppComposeDocument.MAX_BYTES));
            } catch (CharacterCodingException e) {
                throw new MeasureInputException(flag + " " + file + " is not valid UTF-8", e);
            }
        }

        /** vmm-cli's env file reading: stripped lines, '#' comments, KEY=VALUE, names in first-seen order. */
        private static List<String> envNames(Path file) throws MeasureInputException {
            LinkedHashSet<String> names = new LinkedHashSet<>();
            for (String line : text(file, "--env-file").split("\n", -1)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#") || !l.contains("=")) continue;
                names.add(l.substring(0, l.indexOf('=')).strip());
            }
            return new ArrayList<>(names);
        }
    }
}
