package org.dstack4j.launcher.hostile;

import static org.dstack4j.launcher.hostile.HostileCase.lines;
import static org.dstack4j.launcher.hostile.HostileCase.of;
import static org.dstack4j.launcher.hostile.Outcome.defaultImage;
import static org.dstack4j.launcher.hostile.Outcome.failsOnUserConfigFile;
import static org.dstack4j.launcher.hostile.Outcome.ignored;
import static org.dstack4j.launcher.hostile.Outcome.passes;
import static org.dstack4j.launcher.hostile.Outcome.plans;
import static org.dstack4j.launcher.hostile.Outcome.ports;
import static org.dstack4j.launcher.hostile.Outcome.rejectedKeys;
import static org.dstack4j.launcher.hostile.Outcome.rejects;
import static org.dstack4j.launcher.hostile.Outcome.selects;

import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.dstack4j.launcher.container.PortMapping;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile user_config lines (the host writes this file): option and shell injection, control
 * characters, LD_PRELOAD, size caps, Unicode look-alikes of allowed keys, duplicates. Every case
 * goes through {@link org.dstack4j.launcher.LaunchPlanner#plan} with the planted secrets around it.
 */
class HostileUserConfigTest {
    private static final String NOT_CONTAINER = "not a container variable";
    private static final String CONTROL = "value contains a control character";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource({"optionInjection", "shellMetacharacters", "controlCharacters", "ldPreload", "sizes", "lookAlikes", "duplicates"})
    void hostileLine(HostileCase c) throws Exception {
        HostileRunner.run(c, dir);
    }

    static Stream<HostileCase> optionInjection() {
        return Stream.of(
                lines("key -e", "-e=MPC_X", plans(rejects("-e", NOT_CONTAINER))),
                lines("key --env", "--env=MPC_ACCOUNT_ID=x", plans(rejects("--env", NOT_CONTAINER), ignored("MPC_ACCOUNT_ID"))),
                lines("bare --privileged (no '=')", "--privileged", plans(ignored("--privileged"), rejectedKeys())),
                lines("key --privileged=true", "--privileged=true", plans(rejects("--privileged", NOT_CONTAINER))),
                lines("key --volume /:/mnt", "--volume /:/mnt=x", plans(rejects("--volume /:/mnt", NOT_CONTAINER))),
                lines("key -v", "-v=/:/host", plans(rejects("-v", NOT_CONTAINER))),
                lines("key --network", "--network=host", plans(rejects("--network", NOT_CONTAINER))),
                lines("key --cap-add", "--cap-add=ALL", plans(rejects("--cap-add", NOT_CONTAINER))),
                lines("key --pid", "--pid=host", plans(rejects("--pid", NOT_CONTAINER))),
                lines("key --security-opt", "--security-opt=seccomp=unconfined", plans(rejects("--security-opt", NOT_CONTAINER))),
                lines("key '-e MPC_ACCOUNT_ID'", "-e MPC_ACCOUNT_ID=evil", plans(rejects("-e MPC_ACCOUNT_ID", NOT_CONTAINER), ignored("MPC_ACCOUNT_ID"))),
                lines("flag appended to key", "MPC_ACCOUNT_ID --privileged=x",
                        plans(rejects("MPC_ACCOUNT_ID --privileged", NOT_CONTAINER), ignored("MPC_ACCOUNT_ID"))),
                lines("key --user", "--user=root", plans(rejects("--user", NOT_CONTAINER))),
                lines("key --entrypoint", "--entrypoint=/bin/sh", plans(rejects("--entrypoint", NOT_CONTAINER))),
                lines("key --device", "--device=/dev/mem", plans(rejects("--device", NOT_CONTAINER))),
                lines("value --privileged is only a value", "MPC_ACCOUNT_ID=--privileged", plans(passes("MPC_ACCOUNT_ID", "--privileged"))),
                lines("value --volume is only a value (no mount)", "MPC_ENV=--volume /:/mnt", plans(passes("MPC_ENV", "--volume /:/mnt"))),
                lines("value --network=host", "RUST_LOG=--network=host", plans(passes("RUST_LOG", "--network=host"))),
                lines("value smuggling a denied key", "MPC_ACCOUNT_ID=x --env MPC_P2P_PRIVATE_KEY=y",
                        plans(passes("MPC_ACCOUNT_ID", "x --env MPC_P2P_PRIVATE_KEY=y"), ignored("MPC_P2P_PRIVATE_KEY"))),
                lines("value smuggling a second docker run", "MPC_HOME_DIR=/; docker run --privileged x",
                        plans(passes("MPC_HOME_DIR", "/; docker run --privileged x"))),
                lines("value -p publishes nothing", "MPC_LOCAL_ADDRESS=-p 22:22", plans(passes("MPC_LOCAL_ADDRESS", "-p 22:22"), ports())));
    }

    static Stream<HostileCase> shellMetacharacters() {
        return Stream.concat(
                Stream.of("$(id)", "`id`", "a;rm -rf /", "a|nc 10.0.0.1 9", "a&&reboot", "${IFS}cat${IFS}/etc/shadow", "a>/etc/passwd",
                                "*", "~root", "'\"\\")
                        .map(v -> lines("value " + v + " passed literally", "MPC_ACCOUNT_ID=" + v, plans(passes("MPC_ACCOUNT_ID", v)))),
                Stream.of("MPC_$(id)", "MPC_X;Y", "MPC_`id`", "MPC_X|Y", "MPC_X&Y", "MPC_*", "MPC_X>Y", "$MPC_X")
                        .map(k -> lines("key " + k, k + "=1", plans(rejects(k, NOT_CONTAINER)))));
    }

    static Stream<HostileCase> controlCharacters() {
        return Stream.of(
                lines("NUL inside a value", "MPC_ACCOUNT_ID=a\u0000b", plans(rejects("MPC_ACCOUNT_ID", CONTROL))),
                lines("SOH inside a value", "MPC_ACCOUNT_ID=a\u0001b", plans(rejects("MPC_ACCOUNT_ID", CONTROL))),
                lines("backspace inside a value", "MPC_ACCOUNT_ID=admin\u0008\u0008\u0008\u0008\u0008user", plans(rejects("MPC_ACCOUNT_ID", CONTROL))),
                lines("ANSI escape inside a value", "RUST_LOG=info\u001b[2J", plans(rejects("RUST_LOG", CONTROL))),
                lines("DEL inside a value", "MPC_ENV=a\u007fb", plans(rejects("MPC_ENV", CONTROL))),
                lines("C1 NEL inside a value", "MPC_ENV=a\u0085b", plans(rejects("MPC_ENV", CONTROL))),
                lines("C1 CSI inside a value", "MPC_ENV=a\u009b31m", plans(rejects("MPC_ENV", CONTROL))),
                lines("vertical tab inside a value", "MPC_ENV=a\u000bb", plans(rejects("MPC_ENV", CONTROL))),
                lines("form feed inside a value", "MPC_ENV=a\u000cb", plans(rejects("MPC_ENV", CONTROL))),
                lines("secret with NUL is rejected by key only", "MPC_SECRET_STORE_KEY=" + Workspace.SECRET_STORE_KEY + "\u0000x",
                        plans(rejects("MPC_SECRET_STORE_KEY", CONTROL))),
                lines("trailing unit separator is trimmed away", "MPC_ENV=x\u001f", plans(passes("MPC_ENV", "x"))),
                lines("tab inside a value is allowed", "MPC_ENV=a\tb", plans(passes("MPC_ENV", "a\tb"))),
                lines("NUL inside a key (escaped in the report)", "MPC_\u0000X=1", plans(rejects("MPC_\\u0000X", NOT_CONTAINER))),
                lines("ANSI escape before a key (escaped in the report)", "\u001b[31mMPC_X=1", plans(rejects("\\u001b[31mMPC_X", NOT_CONTAINER))),
                lines("CR splits a line: injected reserved key", "MPC_ACCOUNT_ID=ok\rMPC_IMAGE_HASH=" + Workspace.NOT_APPROVED.bareHex(),
                        plans(passes("MPC_ACCOUNT_ID", "ok"), rejects("MPC_IMAGE_HASH", "set by the launcher"))),
                lines("LF splits a line: injected denied key", "MPC_ACCOUNT_ID=ok\nMPC_P2P_PRIVATE_KEY=ed25519:x",
                        plans(passes("MPC_ACCOUNT_ID", "ok"), rejects("MPC_P2P_PRIVATE_KEY", "never passed"))),
                lines("CR splits a line: injected override is a real override", "MPC_ENV=x\rMPC_HASH_OVERRIDE=" + Workspace.OLDER,
                        plans(passes("MPC_ENV", "x"), selects(Workspace.OLDER))),
                lines("U+2028 does not split a line", "MPC_ENV=a\u2028MPC_IMAGE_HASH=x",
                        plans(passes("MPC_ENV", "a\u2028MPC_IMAGE_HASH=x"), passes("MPC_IMAGE_HASH", Workspace.NEWEST.bareHex()))),
                lines("bidi override in a key (escaped in the report)", "MPC_\u202eDI_TNUOCCA=1", plans(rejects("MPC_\\u202eDI_TNUOCCA", NOT_CONTAINER))));
    }

    static Stream<HostileCase> ldPreload() {
        String reasonKey = "key contains LD_PRELOAD";
        String reasonValue = "value contains LD_PRELOAD";
        return Stream.of(
                lines("LD_PRELOAD key", "LD_PRELOAD=/tmp/x.so", plans(rejects("LD_PRELOAD", reasonKey))),
                lines("MPC_LD_PRELOAD key", "MPC_LD_PRELOAD=/tmp/x.so", plans(rejects("MPC_LD_PRELOAD", reasonKey))),
                lines("lower-case ld_preload key", "ld_preload=/tmp/x.so", plans(rejects("ld_preload", reasonKey))),
                lines("LD_PRELOAD assignment in a value", "MPC_ENV=LD_PRELOAD=/x.so", plans(rejects("MPC_ENV", reasonValue))),
                lines("ld_preload in a value", "MPC_ENV=ld_preload", plans(rejects("MPC_ENV", reasonValue))),
                lines("LD_PRELOAD in RUST_LOG", "RUST_LOG=LD_PRELOAD", plans(rejects("RUST_LOG", reasonValue))),
                lines("LD_PRELOAD in NEAR_BOOT_NODES", "NEAR_BOOT_NODES=a,LD_PRELOAD=/x", plans(rejects("NEAR_BOOT_NODES", reasonValue))),
                lines("LD_PRELOAD in a secret value", "MPC_SECRET_STORE_KEY=LD_PRELOAD" + Workspace.SECRET_STORE_KEY,
                        plans(rejects("MPC_SECRET_STORE_KEY", reasonValue))),
                lines("LD_PRELOAD as a port entry", "PORTS=LD_PRELOAD:80", plans(rejects("PORTS[0]", "not H:C"), ports())),
                lines("LD_PRELOAD after a good port", "PORTS=8080:8080,LD_PRELOAD=/x.so",
                        plans(rejects("PORTS[1]", "not H:C"), ports(new PortMapping(8080, 8080)))),
                lines("LD_LIBRARY_PATH key", "LD_LIBRARY_PATH=/tmp", plans(rejects("LD_LIBRARY_PATH", NOT_CONTAINER))),
                lines("LD_AUDIT key", "LD_AUDIT=/tmp/a.so", plans(rejects("LD_AUDIT", NOT_CONTAINER))));
    }

    static Stream<HostileCase> sizes() {
        String many = IntStream.range(0, 61).mapToObj(i -> "MPC_V" + i + "=" + i).collect(Collectors.joining("\n"));
        String big = IntStream.range(0, 33).mapToObj(i -> "MPC_BIG" + i + "=" + "x".repeat(1000)).collect(Collectors.joining("\n"));
        String junk = IntStream.range(0, 1000).mapToObj(i -> "JUNK" + i + "=" + i).collect(Collectors.joining("\n"));
        return Stream.of(
                lines("value of 1025 bytes", "MPC_ACCOUNT_ID=" + "a".repeat(1025), plans(rejects("MPC_ACCOUNT_ID", "value longer than 1024 bytes"))),
                lines("value of 342 three-byte characters (1026 bytes)", "MPC_ACCOUNT_ID=" + "€".repeat(342),
                        plans(rejects("MPC_ACCOUNT_ID", "value longer than 1024 bytes"))),
                lines("value of 60000 bytes", "MPC_ACCOUNT_ID=" + "a".repeat(60000), plans(rejects("MPC_ACCOUNT_ID", "value longer than 1024 bytes"))),
                lines("over-long secret is rejected by key only", "MPC_SECRET_STORE_KEY=" + Workspace.SECRET_STORE_KEY.repeat(100),
                        plans(rejects("MPC_SECRET_STORE_KEY", "value longer than 1024 bytes"))),
                lines("key of 69 characters", "MPC_" + "A".repeat(65) + "=1", plans(rejects("MPC_" + "A".repeat(65), NOT_CONTAINER))),
                lines("65 passed variables (4 secrets + 61)", many, failsOnUserConfigFile("passes 65 variables to the container, more than 64")),
                lines("33 KB of passed variables", big, failsOnUserConfigFile("bytes of KEY=VALUE to the container, more than 32768")),
                lines("1000 junk keys are rejected, not counted", junk, plans(new Outcome.RejectionCount(1000))),
                of("user_config over 64 KiB", w -> w.userConfig("MPC_ENV=" + "x".repeat(64 * 1024)),
                        failsOnUserConfigFile("larger than the 65536-byte limit")),
                lines("key of 10000 characters is cut in the report", "MPC_" + "A".repeat(9996) + "=1",
                        plans(rejects("MPC_" + "A".repeat(76) + "…", NOT_CONTAINER))));
    }

    static Stream<HostileCase> lookAlikes() {
        return Stream.of(
                lines("Cyrillic М in MPC_ACCOUNT_ID", "\u041cPC_ACCOUNT_ID=x", plans(rejects("\u041cPC_ACCOUNT_ID", NOT_CONTAINER))),
                lines("Cyrillic О in MPC_ACCOUNT_ID", "MPC_ACC\u041eUNT_ID=x", plans(rejects("MPC_ACC\u041eUNT_ID", NOT_CONTAINER))),
                lines("Greek Α in MPC_ACCOUNT_ID", "MPC_\u0391CCOUNT_ID=x", plans(rejects("MPC_\u0391CCOUNT_ID", NOT_CONTAINER))),
                lines("fullwidth ＭＰＣ prefix", "\uff2d\uff30\uff23_ACCOUNT_ID=x", plans(rejects("\uff2d\uff30\uff23_ACCOUNT_ID", NOT_CONTAINER))),
                lines("small-capital ᴹ", "\u1d39PC_ENV=x", plans(rejects("\u1d39PC_ENV", NOT_CONTAINER))),
                lines("Arabic-Indic digit in a key", "MPC_ID\u0661=x", plans(rejects("MPC_ID\u0661", NOT_CONTAINER))),
                lines("zero-width joiner in a key (escaped in the report)", "MPC_ACCOUNT\u200d_ID=x",
                        plans(rejects("MPC_ACCOUNT\\u200d_ID", NOT_CONTAINER))),
                lines("no-break space after a key", "MPC_ACCOUNT_ID\u00a0=x", plans(rejects("MPC_ACCOUNT_ID\u00a0", NOT_CONTAINER))),
                lines("ideographic space after a key is trimmed (it is the real key)", "MPC_ACCOUNT_ID\u3000=x", plans(passes("MPC_ACCOUNT_ID", "x"))),
                lines("Cyrillic look-alike of MPC_REGISTRY does not move the registry", "\u041cPC_REGISTRY=evil.example.com",
                        plans(rejects("\u041cPC_REGISTRY", NOT_CONTAINER), defaultImage())),
                lines("fullwidth look-alike of MPC_IMAGE_NAME does not change the image", "\uff2dPC_IMAGE_NAME=evil/node",
                        plans(rejects("\uff2dPC_IMAGE_NAME", NOT_CONTAINER), defaultImage())),
                lines("Cyrillic look-alike of MPC_HASH_OVERRIDE does not override", "MPC_HASH_\u041eVERRIDE=" + Workspace.OLDER,
                        plans(rejects("MPC_HASH_\u041eVERRIDE", NOT_CONTAINER), selects(Workspace.NEWEST))),
                lines("fullwidth look-alike of PORTS publishes nothing", "\uff30\uff2f\uff32\uff34\uff33=22:22",
                        plans(rejects("\uff30\uff2f\uff32\uff34\uff33", NOT_CONTAINER), ports())),
                lines("Cyrillic look-alike of a denied key is still not passed", "MPC_P2P_PRIV\u0410TE_KEY=x",
                        plans(rejects("MPC_P2P_PRIV\u0410TE_KEY", NOT_CONTAINER))),
                lines("Cyrillic look-alike of MPC_IMAGE_HASH", "MPC_IM\u0410GE_HASH=" + Workspace.NOT_APPROVED.bareHex(),
                        plans(rejects("MPC_IM\u0410GE_HASH", NOT_CONTAINER))),
                lines("lower-case mpc_hash_override is not the override", "mpc_hash_override=" + Workspace.OLDER,
                        plans(rejects("mpc_hash_override", NOT_CONTAINER), selects(Workspace.NEWEST))));
    }

    static Stream<HostileCase> duplicates() {
        return Stream.of(
                lines("override: the last duplicate wins, no fallback to the first",
                        "MPC_HASH_OVERRIDE=" + Workspace.OLDER + "\nMPC_HASH_OVERRIDE=" + Workspace.NOT_APPROVED,
                        Outcome.fails(org.dstack4j.launcher.LaunchStep.SELECTION, "MPC_HASH_OVERRIDE", "is not among the 2 approved hashes")),
                lines("registry: a bad last duplicate fails", "MPC_REGISTRY=127.0.0.1:5000\nMPC_REGISTRY=evil host",
                        Outcome.fails(org.dstack4j.launcher.LaunchStep.USER_CONFIG, "MPC_REGISTRY", "MPC_REGISTRY invalid")),
                lines("PORTS: the last duplicate wins", "PORTS=1111:1111\nPORTS=2222:2222", plans(ports(new PortMapping(2222, 2222)))),
                lines("reserved key twice is rejected once", "MPC_IMAGE_HASH=aa\nMPC_IMAGE_HASH=bb", plans(rejects("MPC_IMAGE_HASH", "set by the launcher"))),
                lines("a secret overridden by a later duplicate", "MPC_SECRET_STORE_KEY=other", plans(passes("MPC_SECRET_STORE_KEY", "other"))),
                lines("good value then control character: the bad last one wins and is rejected", "MPC_ENV=ok\nMPC_ENV=a\u0000b",
                        plans(rejects("MPC_ENV", CONTROL))));
    }
}
