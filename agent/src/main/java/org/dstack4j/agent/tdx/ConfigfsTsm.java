package org.dstack4j.agent.tdx;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * TDX quotes through Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm-report): for each
 * quote, {@code mkdir <root>/<entry>}, read {@code generation}, write the 64-byte report data to
 * {@code inblob}, read {@code outblob} (the quote), read {@code generation} again, check
 * {@code provider} is {@value #PROVIDER}, {@code rmdir} the entry.
 *
 * <p>{@code generation} counts writes to the entry: if it is not exactly one more than before our
 * write, another writer raced us and the quote may carry its report data, so the attempt is
 * repeated (at most {@value #ATTEMPTS} times). The quote's report data is checked as well.
 * Waits (for the entry's attributes after mkdir, for the generation to move) are polls bounded by
 * the I/O timeout: the kernel answers at once, a slow emulation (the tests' fake tree) does not.
 * A failed rmdir is not an error (the quote is already good); on configfs it does not fail.
 *
 * <p>Thread-safe; callers serialize quotes themselves when they need a consistent RTMR3.
 */
final class ConfigfsTsm {
    /** The {@code provider} of a TDX guest. */
    static final String PROVIDER = "tdx_guest";
    /** Attempts before a racing writer makes us give up. */
    static final int ATTEMPTS = 3;
    /** Largest quote accepted, in bytes (real v4 quotes with certificates are about 5 KiB). */
    static final int MAX_QUOTE_BYTES = 1 << 20;

    private static final AtomicLong ENTRY_COUNTER = new AtomicLong();

    private final Path root;
    private final Duration timeout;

    /**
     * @param root    configfs-tsm report directory, e.g. {@code /sys/kernel/config/tsm/report}
     * @param timeout bound on each wait for the kernel
     */
    ConfigfsTsm(Path root, Duration timeout) {
        this.root = root;
        this.timeout = timeout;
    }

    /** The outcome of one quote request. */
    sealed interface Outcome {
        /** @param quote TDX quote bytes, parsed and carrying the requested report data */
        record Quote(byte[] bytes, TdxQuote parsed) implements Outcome {}

        /** @param reason what went wrong, naming the file */
        record Failure(String reason) implements Outcome {}
    }

    /**
     * Gets a quote over 64 bytes of report data.
     *
     * @return the quote, or a failure naming the step (never throws for I/O or kernel problems)
     * @throws InterruptedException if interrupted while waiting for the kernel
     */
    Outcome quote(byte[] reportData) throws InterruptedException {
        if (reportData.length != 64) {
            throw new IllegalArgumentException("report data must be 64 bytes");
        }
        if (!Files.isDirectory(root)) {
            return new Outcome.Failure("configfs-tsm report directory " + root + " does not exist"
                    + " (needs Linux 6.7+ with configfs mounted and the tdx_guest driver)");
        }
        Path entry = root.resolve("dstack4j-" + ProcessHandle.current().pid() + "-" + ENTRY_COUNTER.incrementAndGet());
        try {
            Files.createDirectory(entry);
        } catch (IOException e) {
            return new Outcome.Failure("cannot create configfs-tsm entry " + entry + ": " + e);
        }
        try {
            return quoteIn(entry, reportData);
        } finally {
            try {
                Files.deleteIfExists(entry);
            } catch (DirectoryNotEmptyException e) {
                // a plain directory imitating configfs (tests); configfs itself removes the attributes
            } catch (IOException e) {
                // the quote is already taken; a leftover entry costs a little kernel memory only
            }
        }
    }

    private Outcome quoteIn(Path entry, byte[] reportData) throws InterruptedException {
        Path generationFile = entry.resolve("generation");
        KernelFiles.Poll appear = new KernelFiles.Poll(timeout);
        while (!Files.exists(generationFile)) {
            if (!appear.again()) {
                return new Outcome.Failure(entry + " has no generation attribute after " + timeout.toMillis()
                        + " ms; is " + root + " a configfs-tsm report directory?");
            }
        }
        String lastProblem = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                String provider = KernelFiles.readText(entry.resolve("provider"), 256);
                if (!provider.equals(PROVIDER)) {
                    return new Outcome.Failure("configfs-tsm provider is \"" + provider + "\", not " + PROVIDER
                            + "; this is not a TDX guest");
                }
                long before = generation(generationFile);
                KernelFiles.write(entry.resolve("inblob"), reportData);
                KernelFiles.Poll moved = new KernelFiles.Poll(timeout);
                while (generation(generationFile) == before) {
                    if (!moved.again()) {
                        return new Outcome.Failure(entry + "/generation did not change after writing inblob");
                    }
                }
                byte[] quote = KernelFiles.read(entry.resolve("outblob"), MAX_QUOTE_BYTES);
                long after = generation(generationFile);
                if (after != before + 1) {
                    lastProblem = "generation went from " + before + " to " + after + ": another writer used the entry";
                    continue;
                }
                TdxQuote parsed;
                try {
                    parsed = TdxQuote.parse(quote);
                } catch (QuoteFormatException e) {
                    return new Outcome.Failure("configfs-tsm returned a quote that does not parse: " + e.getMessage());
                }
                if (!Arrays.equals(parsed.tdReport().reportData(), reportData)) {
                    lastProblem = "the quote carries other report data: another writer used the entry";
                    continue;
                }
                return new Outcome.Quote(quote, parsed);
            } catch (NoSuchFileException e) {
                return new Outcome.Failure("configfs-tsm attribute " + e.getFile() + " is missing");
            } catch (IOException | NumberFormatException e) {
                return new Outcome.Failure("configfs-tsm quote in " + entry + " failed: " + e);
            }
        }
        return new Outcome.Failure("no consistent quote after " + ATTEMPTS + " attempts; last: " + lastProblem);
    }

    private static long generation(Path file) throws IOException {
        return Long.parseLong(KernelFiles.readText(file, 32));
    }
}
