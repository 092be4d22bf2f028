package org.dstack4j.launcher.container;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.config.UserConfig;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Builds the node container from the selected digest and user_config (spec/launcher.md
 * "Container").
 *
 * <p>Fixed by the launcher: name {@value #NAME}; the image ID {@code sha256:<hex>} (never a tag);
 * {@code no-new-privileges:true}; restart policy {@code on-failure}; mounts {@code <tapp>:/tapp:ro},
 * volume {@code shared-volume} at {@code /mnt/shared}, volume {@code mpc-data} at {@code /data}, and
 * in {@code TEE} mode the dstack socket at {@code /var/run/dstack.sock}; env {@code MPC_IMAGE_HASH},
 * {@code MPC_LATEST_ALLOWED_HASH_FILE} and, in {@code TEE}, {@code DSTACK_ENDPOINT}, after the passed
 * variables.
 *
 * <p>user_config entries, in order:
 * <ul>
 *   <li>{@code PORTS}: comma-separated {@code H:C} items, each trimmed and then exactly
 *       {@code \d{1,5}:\d{1,5}} with both ports in 1..65535; any other item (empty, spaces inside,
 *       ranges, IPv6, extra colons, flags)
 *       and a host port already mapped are rejected as {@code PORTS[i]} (0-based) and skipped. An
 *       empty {@code PORTS} value means no ports.</li>
 *   <li>launcher-only keys ({@link LauncherSettings#KEYS}): consumed by the launcher, never passed,
 *       not reported as rejections.</li>
 *   <li>passed when the key is {@code MPC_[A-Z0-9_]{1,64}} or one of {@link #EXTRA_KEYS}, except the
 *       denied keys ({@link #DENIED_KEYS}) and the keys the launcher sets ({@link #RESERVED_KEYS},
 *       the launcher's value wins), and when the value is at most {@value #MAX_VALUE_BYTES} UTF-8
 *       bytes, has no control character (Unicode Cc: U+0000–U+001F, DEL, C1 U+0080–U+009F) other
 *       than tab, and neither key nor value contains {@code LD_PRELOAD} (any case). Other entries
 *       are rejected by key and skipped.</li>
 * </ul>
 * At most {@value #MAX_PASSED} passed variables and {@value #MAX_PASSED_BYTES} bytes of
 * {@code KEY=VALUE} (UTF-8, summed over passed variables; the launcher's own variables do not
 * count): exceeding either is an {@link InputException}, never a truncation.
 *
 * <p>Every variable's value is secret ({@link EnvVar#redacted()} prints {@code ***}) except those of
 * {@link #NON_SECRET_KEYS}, an allow-list of known non-secret keys.
 */
public final class ContainerRules {
    public static final String NAME = "mpc-node";
    public static final String NO_NEW_PRIVILEGES = "no-new-privileges:true";
    public static final String TAPP_TARGET = "/tapp";
    public static final String SHARED_VOLUME = "shared-volume";
    public static final String SHARED_TARGET = "/mnt/shared";
    public static final String DATA_VOLUME = "mpc-data";
    public static final String DATA_TARGET = "/data";
    public static final String DSTACK_SOCKET_TARGET = "/var/run/dstack.sock";
    public static final String APPROVED_HASHES_IN_CONTAINER = "/mnt/shared/image-digest.bin";

    public static final String IMAGE_HASH = "MPC_IMAGE_HASH";
    public static final String LATEST_ALLOWED_HASH_FILE = "MPC_LATEST_ALLOWED_HASH_FILE";
    public static final String DSTACK_ENDPOINT = "DSTACK_ENDPOINT";
    public static final String PORTS = "PORTS";

    /** Keys the launcher sets itself; a user_config entry for one is rejected. */
    public static final Set<String> RESERVED_KEYS = Set.of(IMAGE_HASH, LATEST_ALLOWED_HASH_FILE, DSTACK_ENDPOINT);
    /** Keys that match the pattern but are never passed. */
    public static final Set<String> DENIED_KEYS = Set.of("MPC_P2P_PRIVATE_KEY", "MPC_ACCOUNT_SK");
    /** Passed although not {@code MPC_*}. */
    public static final Set<String> EXTRA_KEYS = Set.of("NEAR_BOOT_NODES", "RUST_BACKTRACE", "RUST_LOG");
    /**
     * The only keys whose values are printed (logs, dry runs, reports): known non-secret node
     * settings and the launcher's own variables. Every other value is printed as {@code ***}: secret
     * names are too many to list ({@code MPC_PWD}, {@code MPC_SIGN_SK}, {@code MPC_MNEMONIC}, a
     * {@code MPC_DB_URL} with a password, a {@code RUST_LOG} filter holding a token...).
     */
    public static final Set<String> NON_SECRET_KEYS = Set.of("MPC_ACCOUNT_ID", "MPC_LOCAL_ADDRESS", "MPC_CONTRACT_ID",
            "MPC_ENV", "MPC_HOME_DIR", "MPC_RESPONDER_ID", "NEAR_BOOT_NODES", "RUST_BACKTRACE",
            IMAGE_HASH, LATEST_ALLOWED_HASH_FILE, DSTACK_ENDPOINT);
    /** Always secret (kept for reference: every key outside {@link #NON_SECRET_KEYS} is). */
    public static final Set<String> SECRET_KEYS = Set.of("MPC_SECRET_STORE_KEY", "MPC_BACKUP_ENCRYPTION_KEY_HEX");

    public static final int MAX_VALUE_BYTES = 1024;
    public static final int MAX_PASSED = 64;
    public static final int MAX_PASSED_BYTES = 32768;

    private static final Pattern MPC_KEY = Pattern.compile("MPC_[A-Z0-9_]{1,64}");
    private static final Pattern PORT_ITEM = Pattern.compile("([0-9]{1,5}):([0-9]{1,5})");

    private ContainerRules() {}

    /**
     * @param config       user_config
     * @param image        the selected (and later validated) image ID
     * @param platform     {@code TEE} adds the dstack socket mount and {@code DSTACK_ENDPOINT}
     * @param dstackSocket host path of the dstack socket (bound in {@code TEE} mode)
     * @param tappDir      host directory bound read-only at {@code /tapp}
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = user_config, when the passed
     *                        variables exceed {@value #MAX_PASSED} or {@value #MAX_PASSED_BYTES} bytes
     */
    public static ContainerPlan build(UserConfig config, ImageDigest image, Platform platform, Path dstackSocket, Path tappDir)
            throws InputException {
        List<EnvVar> env = new ArrayList<>();
        List<PortMapping> ports = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        int passedBytes = 0;
        for (Map.Entry<String, String> entry : config.entries().entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue();
            if (key.equals(PORTS)) {
                ports(value, ports, rejected);
                continue;
            }
            if (LauncherSettings.KEYS.contains(key)) continue;
            String reason = rejection(key, value);
            if (reason != null) {
                rejected.add(new Rejection(SafeText.excerpt(key), reason)); // escaped and cut: a key is untrusted text
                continue;
            }
            env.add(new EnvVar(key, value, isSecret(key)));
            passedBytes += utf8Length(key) + 1 + utf8Length(value);
        }
        String input = config.source().map(Path::toString).orElse("user_config");
        if (env.size() > MAX_PASSED) {
            throw new InputException(LaunchStep.USER_CONFIG, input,
                    "user_config passes " + env.size() + " variables to the container, more than " + MAX_PASSED,
                    "remove variables from user_config until at most " + MAX_PASSED + " remain");
        }
        if (passedBytes > MAX_PASSED_BYTES) {
            throw new InputException(LaunchStep.USER_CONFIG, input,
                    "user_config passes " + passedBytes + " bytes of KEY=VALUE to the container, more than " + MAX_PASSED_BYTES,
                    "shorten or remove variables in user_config to at most " + MAX_PASSED_BYTES + " bytes in total");
        }
        env.add(new EnvVar(IMAGE_HASH, image.bareHex(), false));
        env.add(new EnvVar(LATEST_ALLOWED_HASH_FILE, APPROVED_HASHES_IN_CONTAINER, false));
        if (platform == Platform.TEE) env.add(new EnvVar(DSTACK_ENDPOINT, DSTACK_SOCKET_TARGET, false));
        ContainerSpec spec = new ContainerSpec(NAME, image.toString(), env, ports, mounts(platform, dstackSocket, tappDir),
                List.of(NO_NEW_PRIVILEGES), RestartPolicy.ON_FAILURE);
        return new ContainerPlan(spec, rejected);
    }

    /**
     * The node container of TOML mode, as production's compose template runs it: the command
     * {@code /app/mpc-node start-with-config-file /mnt/shared/mpc-config.toml}, env only
     * {@code DSTACK_ENDPOINT} (TEE; none in NONTEE: the node's settings are in its config file),
     * the same mounts, {@code no-new-privileges}, restart {@code on-failure}.
     *
     * @param ports   {@code port_mappings}
     * @param image   the selected digest (replaced by the engine's image ID once the pull proved it)
     * @param command the node's command
     */
    public static ContainerSpec node(List<PortMapping> ports, ImageDigest image, Platform platform, Path dstackSocket,
                                     Path tappDir, List<String> command) {
        List<EnvVar> env = platform == Platform.TEE
                ? List.of(new EnvVar(DSTACK_ENDPOINT, DSTACK_SOCKET_TARGET, false))
                : List.of();
        return new ContainerSpec(NAME, image.toString(), env, ports, mounts(platform, dstackSocket, tappDir),
                List.of(NO_NEW_PRIVILEGES), RestartPolicy.ON_FAILURE, command, java.util.Map.of());
    }

    private static List<Mount> mounts(Platform platform, Path dstackSocket, Path tappDir) {
        List<Mount> mounts = new ArrayList<>(List.of(
                Mount.bind(tappDir.toAbsolutePath().toString(), TAPP_TARGET, true),
                Mount.volume(SHARED_VOLUME, SHARED_TARGET),
                Mount.volume(DATA_VOLUME, DATA_TARGET)));
        if (platform == Platform.TEE) {
            mounts.add(Mount.bind(dstackSocket.toAbsolutePath().toString(), DSTACK_SOCKET_TARGET, false));
        }
        return mounts;
    }

    /** True if the variable's value must never be logged: every key outside {@link #NON_SECRET_KEYS}. */
    public static boolean isSecret(String key) {
        return !NON_SECRET_KEYS.contains(key);
    }

    /** Why the entry is not passed, without its value; null when it is passed. */
    private static String rejection(String key, String value) {
        if (RESERVED_KEYS.contains(key)) return "set by the launcher; the launcher's value wins";
        if (DENIED_KEYS.contains(key)) return "never passed to the container";
        if (key.toUpperCase(Locale.ROOT).contains("LD_PRELOAD")) return "key contains LD_PRELOAD";
        if (!MPC_KEY.matcher(key).matches() && !EXTRA_KEYS.contains(key)) {
            return "not a container variable (MPC_[A-Z0-9_]{1,64}, NEAR_BOOT_NODES, RUST_BACKTRACE or RUST_LOG)";
        }
        if (utf8Length(value) > MAX_VALUE_BYTES) return "value longer than " + MAX_VALUE_BYTES + " bytes";
        if (value.chars().anyMatch(c -> c != '\t' && Character.getType(c) == Character.CONTROL)) {
            return "value contains a control character";
        }
        if (value.toUpperCase(Locale.ROOT).contains("LD_PRELOAD")) return "value contains LD_PRELOAD";
        return null;
    }

    private static void ports(String value, List<PortMapping> ports, List<Rejection> rejected) {
        if (value.isEmpty()) return;
        Map<Integer, Integer> hostPorts = new HashMap<>();
        String[] items = value.split(",", -1);
        for (int i = 0; i < items.length; i++) {
            String key = PORTS + "[" + i + "]";
            // Items are trimmed, as the reference launcher does: "80:80, 81:81" publishes both.
            var m = PORT_ITEM.matcher(items[i].strip());
            if (!m.matches()) {
                rejected.add(new Rejection(key, "not H:C with decimal ports (e.g. 8080:8080)"));
                continue;
            }
            int host = Integer.parseInt(m.group(1));
            int container = Integer.parseInt(m.group(2));
            if (host < 1 || host > 65535 || container < 1 || container > 65535) {
                rejected.add(new Rejection(key, "port outside 1..65535"));
                continue;
            }
            Integer first = hostPorts.putIfAbsent(host, i);
            if (first != null) {
                rejected.add(new Rejection(key, "host port already mapped by " + PORTS + "[" + first + "]"));
                continue;
            }
            ports.add(new PortMapping(host, container));
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
