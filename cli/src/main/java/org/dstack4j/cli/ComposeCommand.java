package org.dstack4j.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.compose.LauncherTemplate;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.Utf8;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dstack4j compose render}: the launcher compose the MPC contract derives from its template. */
@Command(
        name = "compose",
        mixinStandardHelpOptions = true,
        description = "The launcher docker compose file the MPC contract allows, rendered from its template.",
        subcommands = {ComposeCommand.Render.class})
public final class ComposeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fill {{LAUNCHER_IMAGE_HASH}} and {{DEFAULT_IMAGE_DIGEST_HASH}} as the contract does.",
                "Without --output the file goes to stdout and its SHA-256 to stderr."},
            footer = {"", "Exit status: 0 rendered, 2 bad input.", "",
                "Example:", "  dstack4j compose render --template launcher_docker_compose.yaml.template \\",
                "      --launcher-digest sha256:84c7…  --default-digest sha256:e2ef…"})
    static final class Render implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--template", required = true, paramLabel = "FILE") Path template;
        @Option(names = "--launcher-digest", required = true, paramLabel = "sha256:HEX") String launcherDigest;
        @Option(names = "--default-digest", required = true, paramLabel = "sha256:HEX") String defaultDigest;
        @Option(names = "--output", paramLabel = "FILE", description = "write the rendered file here") Path output;

        @Override
        public Integer call() {
            return Cli.guard(spec, "compose render", () -> {
                String text;
                try {
                    text = Utf8.decodeStrict(InputFiles.read(template, "--template", 1 << 20));
                } catch (CharacterCodingException e) {
                    throw new MeasureInputException("--template " + template + " is not valid UTF-8", e);
                }
                String rendered = LauncherTemplate.render(text, launcherDigest, defaultDigest);
                String hash = Hex.encode(LauncherTemplate.hash(rendered));
                if (output == null) {
                    spec.commandLine().getOut().print(rendered);
                    spec.commandLine().getOut().flush();
                    spec.commandLine().getErr().println("sha256: " + hash);
                } else {
                    try {
                        Files.write(output, rendered.getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new MeasureInputException("cannot write --output " + output + ": " + e.getMessage(), e);
                    }
                    spec.commandLine().getOut().println("launcher compose: " + output);
                    spec.commandLine().getOut().println("sha256: " + hash);
                }
                return 0;
            });
        }
    }
}
