package org.dstack4j.measure.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian's {@code veritysetup} (package cryptsetup-bin): the oracle that formats and verifies test images. */
final class Veritysetup {
    private static final Pattern ROOT = Pattern.compile("Root hash:\\s+([0-9a-f]{64})");

    private Veritysetup() {}

    static String binary() {
        for (String p : List.of("/usr/sbin/veritysetup", "/sbin/veritysetup", "/usr/bin/veritysetup")) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        throw new IllegalStateException("veritysetup is missing: install Debian's cryptsetup-bin (scripts/test does)");
    }

    /** {@code veritysetup format IMG IMG --hash-offset=dataSize}: appends superblock and tree; returns the root hash. */
    static String format(Path image, long dataSize) throws Exception {
        Result r = run(List.of(binary(), "format", image.toString(), image.toString(), "--hash-offset=" + dataSize));
        if (r.status != 0) throw new IllegalStateException("veritysetup format failed: " + r.output);
        Matcher m = ROOT.matcher(r.output);
        if (!m.find()) throw new IllegalStateException("no root hash in veritysetup output: " + r.output);
        return m.group(1);
    }

    /** {@code veritysetup verify}: true when it accepts the image. */
    static boolean verify(Path image, long dataSize, String root) throws Exception {
        return run(List.of(binary(), "verify", image.toString(), image.toString(), root, "--hash-offset=" + dataSize)).status == 0;
    }

    private record Result(int status, String output) {}

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("veritysetup timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
