package org.dstack4j.launcher.hostile;

import static org.dstack4j.launcher.hostile.HostileCase.lines;
import static org.dstack4j.launcher.hostile.HostileCase.of;
import static org.dstack4j.launcher.hostile.Outcome.fails;
import static org.dstack4j.launcher.hostile.Outcome.passes;
import static org.dstack4j.launcher.hostile.Outcome.plans;
import static org.dstack4j.launcher.hostile.Outcome.rejects;
import static org.dstack4j.launcher.hostile.Outcome.selects;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile selection and settings: {@code MPC_HASH_OVERRIDE} malformed or not approved,
 * {@code DEFAULT_IMAGE_DIGEST} malformed, launcher-only settings out of bounds, and user_config
 * trying to change what only the measured environment may (platform, trust, paths, launcher values).
 */
class HostileSelectionTest {
    private static final String OVERRIDE = "MPC_HASH_OVERRIDE";
    private static final String HEX = Workspace.OLDER.bareHex();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource({"overrides", "defaultDigests", "launcherSettings", "trustedSettings"})
    void hostileSelection(HostileCase c) throws Exception {
        HostileRunner.run(c, dir);
    }

    static Stream<HostileCase> overrides() {
        Stream<HostileCase> malformed = Stream.of(
                        new String[] {"bare hex (no prefix, unlike DEFAULT_IMAGE_DIGEST)", HEX},
                        new String[] {"upper-case hex", "sha256:" + HEX.toUpperCase()},
                        new String[] {"SHA256 prefix", "SHA256:" + HEX},
                        new String[] {"two digests", Workspace.OLDER + "," + Workspace.NEWEST},
                        new String[] {"digest and a flag", Workspace.OLDER + " --privileged"},
                        new String[] {"tag", "latest"},
                        new String[] {"image reference by digest", "nearone/mpc-node@" + Workspace.OLDER},
                        new String[] {"65 hex", "sha256:" + HEX + "a"},
                        new String[] {"63 hex", "sha256:" + HEX.substring(1)},
                        new String[] {"Cyrillic а in the hex", "sha256:" + HEX.substring(0, 63) + "\u0430"},
                        new String[] {"sha384 digest", "sha384:" + HEX + HEX.substring(0, 32)},
                        new String[] {"quoted", "\"" + Workspace.OLDER + "\""})
                .map(a -> lines("override " + a[0], OVERRIDE + "=" + a[1], fails(LaunchStep.SELECTION, OVERRIDE, "MPC_HASH_OVERRIDE invalid")));
        Stream<HostileCase> others = Stream.of(
                lines("override not approved", OVERRIDE + "=" + Workspace.NOT_APPROVED,
                        fails(LaunchStep.SELECTION, OVERRIDE, "MPC_HASH_OVERRIDE " + Workspace.NOT_APPROVED + " is not among the 2 approved hashes")),
                lines("override = DEFAULT_IMAGE_DIGEST, which is not approved while the file exists", OVERRIDE + "=" + Workspace.DEFAULT,
                        fails(LaunchStep.SELECTION, OVERRIDE, "is not among the 2 approved hashes")),
                of("override = DEFAULT_IMAGE_DIGEST with the file absent is approved", w -> {
                    w.noApprovedFile();
                    w.userConfig(Workspace.withSecrets(OVERRIDE + "=" + Workspace.DEFAULT));
                }, plans(selects(Workspace.DEFAULT))),
                of("override of another digest with the file absent", w -> {
                    w.noApprovedFile();
                    w.userConfig(Workspace.withSecrets(OVERRIDE + "=" + Workspace.NEWEST));
                }, fails(LaunchStep.SELECTION, OVERRIDE, "is not among the 1 approved hashes")),
                lines("override with an ANSI escape is escaped in the message", OVERRIDE + "=\u001b[2J" + Workspace.OLDER,
                        fails(LaunchStep.SELECTION, OVERRIDE, "MPC_HASH_OVERRIDE invalid: \\u001b[2J")),
                lines("override of 60000 characters is cut in the message", OVERRIDE + "=" + "f".repeat(60000),
                        fails(LaunchStep.SELECTION, OVERRIDE, "MPC_HASH_OVERRIDE invalid: " + "f".repeat(80) + "…")),
                lines("empty override means no override: the newest is selected", OVERRIDE + "=", plans(selects(Workspace.NEWEST))),
                lines("valid override of the older digest", OVERRIDE + "=" + Workspace.OLDER, plans(selects(Workspace.OLDER))));
        return Stream.concat(malformed, others);
    }

    static Stream<HostileCase> defaultDigests() {
        return Stream.of(
                        new String[] {"upper-case hex", "sha256:" + HEX.toUpperCase()},
                        new String[] {"63 hex", HEX.substring(1)},
                        new String[] {"double prefix", "sha256:sha256:" + HEX},
                        new String[] {"SHA256 prefix", "SHA256:" + HEX},
                        new String[] {"leading space", " " + HEX},
                        new String[] {"trailing newline", HEX + "\n"},
                        new String[] {"tag", "latest"},
                        new String[] {"sha512 digest", "sha512:" + HEX + HEX},
                        new String[] {"NUL inside", HEX.substring(0, 32) + "\u0000" + HEX.substring(33)},
                        new String[] {"image reference", "nearone/mpc-node@sha256:" + HEX})
                .map(a -> of("DEFAULT_IMAGE_DIGEST " + a[0] + " fails even with an approved file",
                        w -> w.env.put("DEFAULT_IMAGE_DIGEST", a[1]),
                        fails(LaunchStep.ENVIRONMENT, "DEFAULT_IMAGE_DIGEST", "DEFAULT_IMAGE_DIGEST invalid")));
    }

    static Stream<HostileCase> launcherSettings() {
        Stream<HostileCase> credentials = Stream.of(
                lines("MPC_REGISTRY with a password in it is not echoed", "MPC_REGISTRY=operator:" + Workspace.DB_PASSWORD + "@registry.example.com",
                        fails(LaunchStep.USER_CONFIG, "MPC_REGISTRY", "MPC_REGISTRY invalid: ***@registry.example.com")),
                lines("MPC_REGISTRY with a secret-looking user is not echoed", "MPC_REGISTRY=" + Workspace.API_TOKEN + "@127.0.0.1:5000",
                        fails(LaunchStep.USER_CONFIG, "MPC_REGISTRY", "MPC_REGISTRY invalid: ***@127.0.0.1:5000")));
        return Stream.concat(credentials, Stream.of(
                        new String[] {"MPC_REGISTRY", "evil.example.com/path"}, new String[] {"MPC_REGISTRY", "https://evil.example.com"},
                        new String[] {"MPC_REGISTRY", "user:pw@evil.example.com"}, new String[] {"MPC_REGISTRY", "evil.example.com:0"},
                        new String[] {"MPC_REGISTRY", "evil.example.com:65536"}, new String[] {"MPC_REGISTRY", "evil example.com"},
                        new String[] {"MPC_REGISTRY", "[::1"}, new String[] {"MPC_REGISTRY", "-evil.example.com"},
                        new String[] {"MPC_REGISTRY", "host:80:80"}, new String[] {"MPC_REGISTRY", ""},
                        new String[] {"MPC_IMAGE_NAME", "../etc"}, new String[] {"MPC_IMAGE_NAME", "Nearone/MPC"},
                        new String[] {"MPC_IMAGE_NAME", "a//b"}, new String[] {"MPC_IMAGE_NAME", "x@sha256:" + HEX},
                        new String[] {"MPC_IMAGE_NAME", "x:latest"}, new String[] {"MPC_IMAGE_NAME", "evil.example.com:5000/x"},
                        new String[] {"MPC_IMAGE_NAME", "a".repeat(256)},
                        new String[] {"MPC_IMAGE_TAGS", "latest;reboot"}, new String[] {"MPC_IMAGE_TAGS", "../x"},
                        new String[] {"MPC_IMAGE_TAGS", "-tag"}, new String[] {"MPC_IMAGE_TAGS", ".tag"}, new String[] {"MPC_IMAGE_TAGS", ",,,"},
                        new String[] {"MPC_IMAGE_TAGS", "t".repeat(129)}, new String[] {"MPC_IMAGE_TAGS", "latest,--privileged"},
                        new String[] {"MPC_IMAGE_TAGS", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"},
                        new String[] {"MPC_IMAGE_TAGS", "sha256:" + HEX},
                        new String[] {"RPC_REQUEST_TIMEOUT_SECS", "0"}, new String[] {"RPC_REQUEST_TIMEOUT_SECS", "-1"},
                        new String[] {"RPC_REQUEST_TIMEOUT_SECS", "inf"}, new String[] {"RPC_REQUEST_TIMEOUT_SECS", "NaN"},
                        new String[] {"RPC_REQUEST_TIMEOUT_SECS", "1e10"}, new String[] {"RPC_REQUEST_TIMEOUT_SECS", "0x10"},
                        new String[] {"RPC_REQUEST_TIMEOUT_SECS", "301"}, new String[] {"RPC_REQUEST_TIMEOUT_SECS", "1d"},
                        new String[] {"RPC_REQUEST_TIMEOUT_SECS", "1e-9"},
                        new String[] {"RPC_REQUEST_INTERVAL_SECS", "61"}, new String[] {"RPC_REQUEST_INTERVAL_SECS", "-0.5"},
                        new String[] {"RPC_REQUEST_INTERVAL_SECS", "Infinity"},
                        new String[] {"RPC_MAX_ATTEMPTS", "0"}, new String[] {"RPC_MAX_ATTEMPTS", "101"}, new String[] {"RPC_MAX_ATTEMPTS", "-1"},
                        new String[] {"RPC_MAX_ATTEMPTS", "99999999999999999999"}, new String[] {"RPC_MAX_ATTEMPTS", "1.5"},
                        new String[] {"RPC_MAX_ATTEMPTS", "ten"}, new String[] {"RPC_MAX_ATTEMPTS", ""})
                .map(a -> lines(a[0] + "=" + (a[1].length() > 40 ? a[1].substring(0, 40) + "…" : a[1]), a[0] + "=" + a[1],
                        fails(LaunchStep.USER_CONFIG, a[0], a[0] + " invalid"))));
    }

    static Stream<HostileCase> trustedSettings() {
        String notContainer = "not a container variable";
        return Stream.of(
                lines("DOCKER_CONTENT_TRUST=0 in user_config changes nothing", "DOCKER_CONTENT_TRUST=0",
                        plans(rejects("DOCKER_CONTENT_TRUST", notContainer))),
                of("PLATFORM=NONTEE in user_config cannot skip measurement", w -> {
                    w.tee();
                    w.userConfig(Workspace.withSecrets("PLATFORM=NONTEE"));
                }, plans(new Outcome.OnPlatform(Platform.TEE), rejects("PLATFORM", notContainer))),
                lines("PLATFORM=TEE in user_config does not switch platforms", "PLATFORM=TEE",
                        plans(new Outcome.OnPlatform(Platform.NONTEE), rejects("PLATFORM", notContainer))),
                of("DEFAULT_IMAGE_DIGEST in user_config is not a default", w -> {
                    w.noApprovedFile();
                    w.userConfig(Workspace.withSecrets("DEFAULT_IMAGE_DIGEST=" + Workspace.NOT_APPROVED));
                }, plans(selects(Workspace.DEFAULT), rejects("DEFAULT_IMAGE_DIGEST", notContainer))),
                of("DSTACK_ENDPOINT in user_config: the launcher's value wins", w -> {
                    w.tee();
                    w.userConfig(Workspace.withSecrets("DSTACK_ENDPOINT=/tmp/evil.sock"));
                }, plans(rejects("DSTACK_ENDPOINT", "set by the launcher"), passes("DSTACK_ENDPOINT", "/var/run/dstack.sock"))),
                lines("MPC_LATEST_ALLOWED_HASH_FILE in user_config: the launcher's value wins", "MPC_LATEST_ALLOWED_HASH_FILE=/tmp/evil.json",
                        plans(rejects("MPC_LATEST_ALLOWED_HASH_FILE", "set by the launcher"),
                                passes("MPC_LATEST_ALLOWED_HASH_FILE", "/mnt/shared/image-digest.bin"))),
                lines("MPC_IMAGE_HASH in user_config: the launcher's value wins", "MPC_IMAGE_HASH=" + Workspace.NOT_APPROVED.bareHex(),
                        plans(rejects("MPC_IMAGE_HASH", "set by the launcher"), passes("MPC_IMAGE_HASH", Workspace.NEWEST.bareHex()))),
                lines("DOCKER_HOST in user_config", "DOCKER_HOST=tcp://evil.example.com:2375", plans(rejects("DOCKER_HOST", notContainer))),
                lines("PATH in user_config", "PATH=/tmp/evil", plans(rejects("PATH", notContainer))),
                lines("HOME in user_config", "HOME=/", plans(rejects("HOME", notContainer))),
                lines("MPC_ACCOUNT_SK is never passed", "MPC_ACCOUNT_SK=ed25519:x", plans(rejects("MPC_ACCOUNT_SK", "never passed"))),
                lines("MPC_P2P_PRIVATE_KEY is never passed", "MPC_P2P_PRIVATE_KEY=ed25519:x", plans(rejects("MPC_P2P_PRIVATE_KEY", "never passed"))),
                of("TEE: user_config cannot move the dstack socket", w -> {
                    w.tee();
                    w.userConfig(Workspace.withSecrets("DSTACK_SOCKET=/tmp/evil.sock\nMPC_DSTACK_SOCKET=/tmp/evil.sock"));
                }, plans(rejects("DSTACK_SOCKET", notContainer), passes("MPC_DSTACK_SOCKET", "/tmp/evil.sock"))),
                of("DOCKER_CONTENT_TRUST unset in the environment", w -> w.env.remove("DOCKER_CONTENT_TRUST"),
                        fails(LaunchStep.ENVIRONMENT, "DOCKER_CONTENT_TRUST", "DOCKER_CONTENT_TRUST must be set to 1")),
                of("PLATFORM unset is not a silent NONTEE", w -> w.env.remove("PLATFORM"),
                        fails(LaunchStep.ENVIRONMENT, "PLATFORM", "PLATFORM is not set")),
                of("TEE with a regular file where the socket should be", w -> {
                    w.env.put("PLATFORM", "TEE");
                    java.nio.file.Files.writeString(w.socket, "not a socket");
                }, new Outcome.Fails(LaunchStep.ENVIRONMENT, w -> w.socket.toString(), "is not a unix socket")));
    }
}
