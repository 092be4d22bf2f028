package org.dstack4j.launcher.hostile;

import static org.dstack4j.launcher.hostile.HostileCase.of;
import static org.dstack4j.launcher.hostile.Outcome.defaultImage;
import static org.dstack4j.launcher.hostile.Outcome.failsOnApprovedFile;
import static org.dstack4j.launcher.hostile.Outcome.failsOnUserConfigFile;
import static org.dstack4j.launcher.hostile.Outcome.passes;
import static org.dstack4j.launcher.hostile.Outcome.plans;
import static org.dstack4j.launcher.hostile.Outcome.ports;
import static org.dstack4j.launcher.hostile.Outcome.rejects;
import static org.dstack4j.launcher.hostile.Outcome.selects;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.selection.ImageDigest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile files: the user_config file itself (encoding, line endings, file type) and the approved
 * hashes file (JSON shape, entries, size, links). Root reads every regular file whatever its mode,
 * so "unreadable" is simulated with a FIFO (opening it would block) and with a path whose parent is
 * a regular file (ENOTDIR).
 */
class HostileFilesTest {
    private static final String NEWEST = Workspace.NEWEST.toString();
    private static final String OLDER = Workspace.OLDER.toString();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource({"userConfigFiles", "approvedHashesFiles", "approvedHashesEntries"})
    void hostileFile(HostileCase c) throws Exception {
        HostileRunner.run(c, dir);
    }

    static Stream<HostileCase> userConfigFiles() {
        return Stream.of(
                of("empty file: defaults", w -> w.userConfig(""), plans(defaultImage(), new Outcome.OnlyLauncherEnv(), selects(Workspace.NEWEST))),
                of("only comments and blanks: defaults", w -> w.userConfig("# MPC_REGISTRY=evil\n\n   \n\t#x=y\n"),
                        plans(defaultImage(), new Outcome.OnlyLauncherEnv())),
                of("UTF-8 BOM is skipped", w -> w.userConfig("\uFEFFMPC_ENV=testnet\n"), plans(passes("MPC_ENV", "testnet"))),
                of("BOM in the middle of the file is part of the key (escaped)", w -> w.userConfig("MPC_ENV=a\n\uFEFFMPC_ACCOUNT_ID=x\n"),
                        plans(passes("MPC_ENV", "a"), rejects("\\ufeffMPC_ACCOUNT_ID", "not a container variable"))),
                of("two BOMs: the second is part of the key", w -> w.userConfig("\uFEFF\uFEFFMPC_ENV=x\n"),
                        plans(rejects("\\ufeffMPC_ENV", "not a container variable"))),
                of("UTF-16LE with BOM is not UTF-8", w -> w.userConfigBytes(utf16("\uFEFFMPC_ENV=x\n", false)),
                        failsOnUserConfigFile("user_config is not valid UTF-8")),
                of("UTF-16BE with BOM is not UTF-8", w -> w.userConfigBytes(utf16("\uFEFFMPC_ENV=x\n", true)),
                        failsOnUserConfigFile("user_config is not valid UTF-8")),
                of("Latin-1 bytes are not UTF-8", w -> w.userConfigBytes("MPC_ENV=caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)),
                        failsOnUserConfigFile("user_config is not valid UTF-8")),
                of("overlong UTF-8 encoding of '=' is not UTF-8", w -> w.userConfigBytes(new byte[] {'M', 'P', 'C', '_', 'X', (byte) 0xC0, (byte) 0xBD, '1'}),
                        failsOnUserConfigFile("user_config is not valid UTF-8")),
                of("CRLF file: no CR in values", w -> w.userConfig("MPC_ENV=testnet\r\nPORTS=8080:8080\r\n"),
                        plans(passes("MPC_ENV", "testnet"), ports(new PortMapping(8080, 8080)))),
                of("CRLF file: override still selects", w -> w.userConfig("MPC_HASH_OVERRIDE=" + OLDER + "\r\n"), plans(selects(Workspace.OLDER))),
                of("CRLF file: registry without CR", w -> w.userConfig("MPC_REGISTRY=127.0.0.1:5000\r\nMPC_IMAGE_TAGS=a,b\r\n"),
                        plans(new Outcome.Looks("127.0.0.1:5000", "nearone/mpc-node", java.util.List.of("a", "b")))),
                of("CR CR LF endings", w -> w.userConfig("MPC_ENV=x\r\r\nRUST_LOG=info\r\r\n"), plans(passes("MPC_ENV", "x"), passes("RUST_LOG", "info"))),
                of("directory instead of a file", w -> Files.createDirectory(w.userConfig), failsOnUserConfigFile("user_config is a directory")),
                of("FIFO instead of a file (never opened, no hang)", w -> Workspace.fifo(w.userConfig),
                        failsOnUserConfigFile("user_config is not a regular file")),
                of("character device (/dev/zero) linked in", w -> Files.createSymbolicLink(w.userConfig, Path.of("/dev/zero")),
                        failsOnUserConfigFile("user_config is not a regular file")),
                of("path whose parent is a regular file (ENOTDIR)", w -> {
                    Files.writeString(w.dir.resolve("not-a-dir"), "x");
                    w.userConfig = w.dir.resolve("not-a-dir").resolve("user_config");
                }, failsOnUserConfigFile("user_config cannot be read (a parent of the path is not a directory)")),
                of("symlink to a missing file", w -> Files.createSymbolicLink(w.userConfig, w.dir.resolve("gone")),
                        failsOnUserConfigFile("symbolic link to a missing file")),
                of("NUL bytes between lines", w -> w.userConfigBytes("MPC_ENV=a\n\u0000\u0000\nRUST_LOG=b\n".getBytes(StandardCharsets.UTF_8)),
                        plans(passes("MPC_ENV", "a"), passes("RUST_LOG", "b"), new Outcome.RejectionCount(0))));
    }

    static Stream<HostileCase> approvedHashesFiles() {
        String digests10k = IntStream.range(0, 10_000).mapToObj(i -> "\"" + ImageDigest.of(new byte[] {(byte) i, (byte) (i >> 8)}) + "\"")
                .collect(Collectors.joining(","));
        return Stream.of(
                of("not JSON", w -> w.approvedJson("approved_hashes=" + NEWEST), failsOnApprovedFile("is not valid JSON")),
                of("JSON with a comment", w -> w.approvedJson("// newest\n{\"approved_hashes\":[\"" + NEWEST + "\"]}"), failsOnApprovedFile("is not valid JSON")),
                of("single-quoted JSON", w -> w.approvedJson("{'approved_hashes':['" + NEWEST + "']}"), failsOnApprovedFile("is not valid JSON")),
                of("trailing comma", w -> w.approvedJson("{\"approved_hashes\":[\"" + NEWEST + "\",]}"), failsOnApprovedFile("is not valid JSON")),
                of("NUL byte in the file", w -> w.approvedBytes(("{\"approved_hashes\":[\"" + NEWEST + "\"]}\u0000").getBytes(StandardCharsets.UTF_8)),
                        failsOnApprovedFile("is not valid JSON")),
                of("second document appended", w -> w.approvedJson("{\"approved_hashes\":[\"" + NEWEST + "\"]}{\"approved_hashes\":[\"" + OLDER + "\"]}"),
                        failsOnApprovedFile("is not valid JSON")),
                of("nesting 100000 deep (no stack overflow)", w -> w.approvedJson("[".repeat(100_000)), failsOnApprovedFile("is not valid JSON")),
                of("nested list inside the key", w -> w.approvedJson("{\"approved_hashes\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
                        failsOnApprovedFile("is not valid JSON")),
                of("a 200000-digit number", w -> w.approvedJson("{\"approved_hashes\":[" + "9".repeat(200_000) + "]}"),
                        failsOnApprovedFile("is not valid JSON")),
                of("wrong key approved_hash", w -> w.approvedJson("{\"approved_hash\":[\"" + NEWEST + "\"]}"), failsOnApprovedFile("has no \"approved_hashes\" key")),
                of("upper-case key", w -> w.approvedJson("{\"APPROVED_HASHES\":[\"" + NEWEST + "\"]}"), failsOnApprovedFile("has no \"approved_hashes\" key")),
                of("key with a trailing space", w -> w.approvedJson("{\"approved_hashes \":[\"" + NEWEST + "\"]}"), failsOnApprovedFile("has no \"approved_hashes\" key")),
                of("Cyrillic а in the key", w -> w.approvedJson("{\"\u0430pproved_hashes\":[\"" + NEWEST + "\"]}"), failsOnApprovedFile("has no \"approved_hashes\" key")),
                of("list nested one level down", w -> w.approvedJson("{\"data\":{\"approved_hashes\":[\"" + NEWEST + "\"]}}"), failsOnApprovedFile("has no \"approved_hashes\" key")),
                of("empty list, even with DEFAULT_IMAGE_DIGEST set", w -> w.approvedJson("{\"approved_hashes\":[],\"fallback\":[\"" + NEWEST + "\"]}"),
                        failsOnApprovedFile("\"approved_hashes\" is empty")),
                of("digest as a string, not a list", w -> w.approvedJson("{\"approved_hashes\":\"" + NEWEST + "\"}"), failsOnApprovedFile("is not an array")),
                of("list as an object", w -> w.approvedJson("{\"approved_hashes\":{\"0\":\"" + NEWEST + "\"}}"), failsOnApprovedFile("is not an array")),
                of("file over 1 MiB", w -> w.approvedJson("{\"approved_hashes\":[\"" + NEWEST + "\"],\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}"),
                        failsOnApprovedFile("larger than the 1048576-byte limit")),
                of("10000 valid digests under the cap: the first is selected", w -> w.approvedJson("{\"approved_hashes\":[" + digests10k + "]}"),
                        plans(selects(ImageDigest.of(new byte[] {0, 0})))),
                of("UTF-8 BOM before the JSON is accepted", w -> w.approvedJson("\uFEFF{\"approved_hashes\":[\"" + OLDER + "\"]}"),
                        plans(selects(Workspace.OLDER))),
                of("directory instead of the file, even with DEFAULT_IMAGE_DIGEST", w -> {
                    Files.delete(w.approved);
                    Files.createDirectory(w.approved);
                }, failsOnApprovedFile("approved hashes file is a directory")),
                of("FIFO instead of the file (no hang)", w -> {
                    Files.delete(w.approved);
                    Workspace.fifo(w.approved);
                }, failsOnApprovedFile("approved hashes file is not a regular file")),
                of("symlink to /dev/zero", w -> {
                    Files.delete(w.approved);
                    Files.createSymbolicLink(w.approved, Path.of("/dev/zero"));
                }, failsOnApprovedFile("approved hashes file is not a regular file")),
                of("symlink to /dev/urandom", w -> {
                    Files.delete(w.approved);
                    Files.createSymbolicLink(w.approved, Path.of("/dev/urandom"));
                }, failsOnApprovedFile("approved hashes file is not a regular file")),
                of("symlink to /etc/passwd", w -> {
                    Files.delete(w.approved);
                    Files.createSymbolicLink(w.approved, Path.of("/etc/passwd"));
                }, failsOnApprovedFile("is not valid JSON")),
                of("symlink to another valid list elsewhere is followed", w -> {
                    Path elsewhere = Files.writeString(w.dir.resolve("elsewhere.json"), "{\"approved_hashes\":[\"" + OLDER + "\"]}");
                    Files.delete(w.approved);
                    Files.createSymbolicLink(w.approved, elsewhere);
                }, plans(selects(Workspace.OLDER))),
                of("broken symlink does not fall back to DEFAULT_IMAGE_DIGEST", w -> {
                    Files.delete(w.approved);
                    Files.createSymbolicLink(w.approved, w.dir.resolve("gone.json"));
                }, failsOnApprovedFile("symbolic link to a missing file")),
                of("path whose parent is a regular file (ENOTDIR)", w -> {
                    Files.writeString(w.dir.resolve("plain"), "x");
                    w.approved = w.dir.resolve("plain").resolve("image-digest.bin");
                }, failsOnApprovedFile("approved hashes file cannot be read (a parent of the path is not a directory)")));
    }

    static Stream<HostileCase> approvedHashesEntries() {
        String hex = Workspace.OLDER.bareHex();
        return Stream.of(
                        new String[] {"number after a good entry", "\"" + NEWEST + "\",7", "approved_hashes[1] is not a string (number)"},
                        new String[] {"null after a good entry", "\"" + NEWEST + "\",null", "approved_hashes[1] is not a string (null)"},
                        new String[] {"object with a digest", "{\"digest\":\"" + NEWEST + "\"}", "approved_hashes[0] is not a string (object)"},
                        new String[] {"list inside the list", "[\"" + NEWEST + "\"]", "approved_hashes[0] is not a string (array)"},
                        new String[] {"boolean", "true", "approved_hashes[0] is not a string (boolean)"},
                        new String[] {"upper-case hex after a good entry", "\"" + NEWEST + "\",\"sha256:" + hex.toUpperCase() + "\"",
                                "approved_hashes[1] is not sha256:<64 lowercase hex>"},
                        new String[] {"63 hex characters", "\"sha256:" + hex.substring(1) + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"65 hex characters", "\"sha256:" + hex + "0\"", "approved_hashes[0] is not sha256"},
                        new String[] {"missing sha256: prefix", "\"" + hex + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"SHA256: prefix", "\"SHA256:" + hex + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"sha512 digest", "\"sha512:" + hex + hex + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"space after the colon", "\"sha256: " + hex + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"leading space", "\" " + NEWEST + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"trailing newline", "\"" + NEWEST + "\\n\"", "approved_hashes[0] is not sha256"},
                        new String[] {"Cyrillic а in the hex", "\"sha256:" + hex.substring(0, 63) + "\u0430\"", "approved_hashes[0] is not sha256"},
                        new String[] {"fullwidth digit in the hex", "\"sha256:" + hex.substring(0, 63) + "\uff10\"", "approved_hashes[0] is not sha256"},
                        new String[] {"image reference instead of a digest", "\"nearone/mpc-node@" + NEWEST + "\"", "approved_hashes[0] is not sha256"},
                        new String[] {"empty string", "\"\"", "approved_hashes[0] is not sha256"},
                        new String[] {"duplicate", "\"" + NEWEST + "\",\"" + NEWEST + "\"", "approved_hashes[1] repeats approved_hashes[0]"},
                        new String[] {"duplicate after another entry", "\"" + NEWEST + "\",\"" + OLDER + "\",\"" + NEWEST + "\"",
                                "approved_hashes[2] repeats approved_hashes[0]"},
                        new String[] {"escape sequence spelling the same digest twice", "\"" + NEWEST + "\",\"\\u0073ha256:" + Workspace.NEWEST.bareHex() + "\"",
                                "approved_hashes[1] repeats approved_hashes[0]"},
                        new String[] {"one bad entry among good ones", "\"" + NEWEST + "\",\"" + OLDER + "\",\"latest\"", "approved_hashes[2] is not sha256"})
                .map(a -> of("approved entry: " + a[0], w -> w.approvedJson("{\"approved_hashes\":[" + a[1] + "]}"), failsOnApprovedFile(a[2])));
    }

    private static byte[] utf16(String text, boolean bigEndian) {
        return text.substring(1).getBytes(bigEndian ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE).length == 0 ? new byte[0]
                : concat(bigEndian ? new byte[] {(byte) 0xFE, (byte) 0xFF} : new byte[] {(byte) 0xFF, (byte) 0xFE},
                        text.substring(1).getBytes(bigEndian ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
