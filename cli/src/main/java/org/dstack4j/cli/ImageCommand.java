package org.dstack4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.image.ImageReport;
import org.dstack4j.measure.image.ImageRelease;
import org.dstack4j.measure.image.ImageVerifier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dstack4j image verify}: a dstack OS image directory against a release, rootfs by dm-verity. */
@Command(
        name = "image",
        mixinStandardHelpOptions = true,
        description = "Check a dstack OS image directory before booting it.",
        subcommands = {ImageCommand.Verify.class})
public final class ImageCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Hash ovmf.fd, bzImage, initramfs.cpio.gz and metadata.json against a release, compute",
                "os_image_hash (SHA-256 of the four-line sha256sum.txt), and verify the rootfs with dm-verity",
                "against dstack.rootfs_hash / dstack.rootfs_size on metadata.json's kernel command line."},
            footer = {"", "Exit status: 0 everything matches, 1 something differs, 2 bad input.", "",
                "Example:", "  dstack4j image verify /var/lib/dstack/images/dstack-0.5.8 --release 0.5.8"})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "the image directory (metadata.json and the files it names)")
        Path dir;

        @ArgGroup(exclusive = true)
        Expected expected = new Expected();

        static final class Expected {
            @Option(names = "--release", paramLabel = "NAME", description = "a pinned release: ${COMPLETION-CANDIDATES} (default 0.5.8)",
                    completionCandidates = Releases.class)
            String release;

            @Option(names = "--sha256sum", paramLabel = "FILE", description = "expected hashes from a sha256sum.txt instead")
            Path sha256sum;
        }

        static final class Releases implements Iterable<String> {
            @Override
            public java.util.Iterator<String> iterator() {
                return ImageRelease.ALL.stream().map(ImageRelease::name).iterator();
            }
        }

        @Override
        public Integer call() {
            return Cli.guard(spec, "image verify", () -> {
                Map<String, String> want;
                String against;
                if (expected.sha256sum != null) {
                    want = ImageVerifier.sha256sums(expected.sha256sum);
                    against = expected.sha256sum.toString();
                } else {
                    String name = expected.release == null ? "0.5.8" : expected.release;
                    ImageRelease r = ImageRelease.named(name).orElseThrow(() -> new MeasureInputException("--release " + name
                            + " is not pinned in this tool; known: " + ImageRelease.ALL.stream().map(ImageRelease::name)
                            .collect(Collectors.joining(", ")) + " (or pass --sha256sum FILE)"));
                    want = r.sha256();
                    against = "release " + r.name();
                }
                ImageReport report = ImageVerifier.verify(dir, want);
                PrintWriter out = spec.commandLine().getOut();
                out.println("image " + dir + " against " + against);
                for (ImageReport.FileCheck f : report.files()) {
                    out.printf("  %-18s %s  %s%n", f.name(), f.sha256(), f.ok() ? "ok" : "MISMATCH (expected " + f.expected() + ")");
                }
                boolean osOk = report.osImageHash().equals(report.expectedOsImageHash());
                out.printf("  %-18s %s  %s%n", "os_image_hash", report.osImageHash(),
                        osOk ? "ok" : "MISMATCH (expected " + report.expectedOsImageHash() + ")");
                out.printf("  %-18s %s%n", "rootfs", report.verity().summary());
                out.println(report.ok() ? "image ok" : "image does NOT match");
                return report.ok() ? 0 : 1;
            });
        }
    }
}
