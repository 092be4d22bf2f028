package org.dstack4j.chain.devnet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Foundry's cast (pinned by contracts/package-lock.json), run as an independent oracle in tests. */
public final class Cast {
    private final Path binary;

    public Cast(Path binary) {
        this.binary = binary;
    }

    public static Cast locate() throws IOException {
        return new Cast(DevTools.locate().cast());
    }

    /** Runs {@code cast args...}; returns trimmed stdout; fails with stderr on a non-zero exit. */
    public String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("cast " + args[0] + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("cast " + String.join(" ", args) + " failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8).trim();
    }
}
