package org.dstack4j.cli.near;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.watch.ApprovedWatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dstack4j watch-approved}: keeps image-digest.bin equal to the contract's approved list (docs/operator.md). */
@Command(
        name = "watch-approved",
        header = "Keep /mnt/shared/image-digest.bin equal to the MPC contract's approved image digests.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Polls the contract's allowed_docker_image_hashes (both answer shapes: objects with",
            "image_hash and expiry_timestamp_seconds, and bare hashes) and writes the launcher's approved",
            "hashes file, newest first, whenever the list changes: a temporary file in the same directory,",
            "fsynced, renamed over the old one. An empty list is never written (the launcher would refuse",
            "it). While the RPC fails the wait doubles, up to 60 s. Each change, outage and recovery is one",
            "line on stderr. The next 'dstack4j launch' picks the newest approved digest.",
            ""
        },
        footer = {
            "",
            "Exit status: runs until stopped; 1 when the file cannot be written; 2 bad input.",
            "With --once: 0 the file is current (written or unchanged), 1 RPC failure or nothing",
            "approved, 2 bad input.",
            "",
            "Example (in the node's CVM, beside the launcher):",
            "  dstack4j watch-approved --near-rpc https://rpc.mainnet.near.org --contract v1.signer \\",
            "      --file /mnt/shared/image-digest.bin --interval 60"
        })
public final class WatchApprovedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NearOptions near;

    @Option(names = "--file", paramLabel = "FILE", defaultValue = "/mnt/shared/image-digest.bin",
            description = "the launcher's approved hashes file. Default: ${DEFAULT-VALUE}")
    Path file;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "seconds between polls (decimals allowed, at least 0.05). Default: ${DEFAULT-VALUE}")
    double intervalSeconds;

    @Option(names = "--once", description = "poll once and exit (for cron or a health check)")
    boolean once;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!(intervalSeconds >= 0.05 && intervalSeconds <= 86_400)) {
            err.println("dstack4j watch-approved: --interval must be between 0.05 and 86400 seconds");
            return 2;
        }
        if (file.toAbsolutePath().getParent() == null) {
            err.println("dstack4j watch-approved: --file must name a file in a directory");
            return 2;
        }
        MpcContract contract;
        try {
            contract = near.open();
        } catch (IllegalArgumentException e) {
            err.println("dstack4j watch-approved: " + e.getMessage());
            return 2;
        }
        ApprovedWatcher watcher = new ApprovedWatcher(contract, file, line -> {
            err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " watch-approved: " + line);
            err.flush();
        });
        try {
            if (once) {
                ApprovedWatcher.Poll p = watcher.pollOnce();
                return switch (p) {
                    case ApprovedWatcher.Poll.Written w -> {
                        err.println("wrote " + w.digests().size() + " digest(s) to " + file + ": " + w.digests());
                        yield 0;
                    }
                    case ApprovedWatcher.Poll.Unchanged u -> {
                        err.println(file + " is current");
                        yield 0;
                    }
                    case ApprovedWatcher.Poll.EmptyRefused e -> {
                        err.println("dstack4j watch-approved: contract " + contract.account() + " approves no image; " + file + " left as it is");
                        yield 1;
                    }
                    case ApprovedWatcher.Poll.RpcFailed f -> {
                        err.println("dstack4j watch-approved: " + f.reason());
                        yield 1;
                    }
                };
            }
            err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " watch-approved: watching " + contract.account() + " at "
                    + contract.rpc().endpoint() + " every " + intervalSeconds + " s, file " + file);
            err.flush();
            watcher.run(Duration.ofMillis(Math.round(intervalSeconds * 1000)));
            return 0;
        } catch (IOException e) {
            err.println("dstack4j watch-approved: cannot write " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()) + "; the launcher keeps the old list");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            contract.rpc().close();
        }
    }
}
