package org.dstack4j.launcher.nodeconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.Platform;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * The node's config file, {@code /mnt/shared/mpc-config.toml}: the operator's
 * {@code [mpc_node_config]} plus the {@code [tee]} table the launcher injects (near/mpc
 * {@code intercept_node_config}):
 *
 * <pre>
 * [tee]
 * authority = { type = "dstack", dstack_endpoint = "/var/run/dstack.sock" }   # TEE
 * authority = { type = "local" }                                            # NONTEE
 * image_hash = "sha256:&lt;the approved digest&gt;"
 * latest_allowed_hash_file_path = "/mnt/shared/image-digest.bin"
 * </pre>
 *
 * <p>Refused (fail closed, before anything is contacted): a {@code tee} key in the user's table (the
 * launcher's alone); {@code gcp} in TEE mode (it would let an operator export key material); TOML
 * date-times, integers outside 64 bits and the floats nan and inf, which the launcher cannot pass on
 * unchanged.
 *
 * <p>Secrets: {@code [mpc_node_config.secrets]} and every key containing SECRET, KEY, TOKEN or
 * PASSWORD (any case) are masked as {@code "***"} (the whole value, table or array) in
 * {@link #masked()} and {@link #maskedToml()}, the only forms for logs, dry runs and reports.
 * {@link #toml()} holds the real content: for the file only.
 *
 * @param toml       the file's content (holds secrets)
 * @param masked     the same tree with secrets masked
 * @param maskedToml {@code masked} as TOML
 * @param digest     SHA-256 of {@code toml}'s UTF-8 bytes: tells an unchanged config from a new one
 */
public record NodeConfig(String toml, ObjectNode masked, String maskedToml, ImageDigest digest) {
    /** Where the node reads it (its {@code shared-volume} mount). */
    public static final String IN_CONTAINER_PATH = "/mnt/shared/mpc-config.toml";
    /** The node's command, as production runs it. */
    public static final List<String> NODE_COMMAND = List.of("/app/mpc-node", "start-with-config-file", IN_CONTAINER_PATH);
    public static final String TEE = "tee";
    public static final String GCP = "gcp";
    public static final String SECRETS = "secrets";
    public static final String MASK = "***";
    private static final List<String> SECRET_WORDS = List.of("SECRET", "KEY", "TOKEN", "PASSWORD");

    public NodeConfig {
        Objects.requireNonNull(toml, "toml");
        Objects.requireNonNull(masked, "masked");
        Objects.requireNonNull(maskedToml, "maskedToml");
        Objects.requireNonNull(digest, "digest");
    }

    /**
     * @param user         {@code [mpc_node_config]} as parsed (not modified)
     * @param platform     TEE → dstack authority; NONTEE → local authority
     * @param imageHash    the approved digest the node runs as
     * @param dstackSocket the agent socket path inside the node ({@code /var/run/dstack.sock})
     * @param approvedFile the approved hashes file inside the node ({@code /mnt/shared/image-digest.bin})
     * @throws InputException at {@link LaunchStep#USER_CONFIG}: a user {@code tee}, {@code gcp} in TEE,
     *                        a date-time or an out-of-range integer (input = the key's path)
     */
    public static NodeConfig render(ObjectNode user, Platform platform, ImageDigest imageHash, String dstackSocket,
                                    String approvedFile) throws InputException {
        check(user, platform);
        ObjectNode config = user.deepCopy();
        ObjectNode tee = config.putObject(TEE);
        ObjectNode authority = tee.putObject("authority");
        if (platform == Platform.TEE) {
            authority.put("type", "dstack").put("dstack_endpoint", dstackSocket);
        } else {
            authority.put("type", "local");
        }
        tee.put("image_hash", imageHash.toString());
        tee.put("latest_allowed_hash_file_path", approvedFile);
        String toml = TomlText.write(config);
        ObjectNode masked = mask(config);
        return new NodeConfig(toml, masked, TomlText.write(masked), ImageDigest.of(toml.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The refusals of {@link #render} that do not need the digest: a user {@code tee}, {@code gcp} in
     * TEE mode, date-times, integers outside 64 bits, nan and inf.
     *
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = the key's path
     */
    public static void check(ObjectNode user, Platform platform) throws InputException {
        if (user.has(TEE)) {
            throw new InputException(LaunchStep.USER_CONFIG, "mpc_node_config.tee",
                    "[mpc_node_config] sets tee, which only the launcher may set",
                    "remove the [mpc_node_config.tee] table (and any tee key) from user_config");
        }
        if (platform == Platform.TEE && user.has(GCP)) {
            throw new InputException(LaunchStep.USER_CONFIG, "mpc_node_config.gcp",
                    "[mpc_node_config] sets gcp, which is refused in TEE mode (it could export key material)",
                    "remove the [mpc_node_config.gcp] table from user_config");
        }
        checkValues(user, "mpc_node_config");
    }

    /** A copy with every secret value replaced by {@code "***"} (see the class comment). */
    public static ObjectNode mask(ObjectNode table) {
        ObjectNode out = table.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.set(e.getKey(), isSecretKey(e.getKey()) ? out.textNode(MASK) : maskValue(e.getValue()));
        }
        return out;
    }

    private static JsonNode maskValue(JsonNode value) {
        if (value instanceof ObjectNode o) return mask(o);
        if (value instanceof ArrayNode a) {
            ArrayNode out = a.arrayNode();
            a.forEach(v -> out.add(maskValue(v)));
            return out;
        }
        return value;
    }

    /** {@code secrets}, or a key containing SECRET, KEY, TOKEN or PASSWORD in any case. */
    public static boolean isSecretKey(String key) {
        String upper = key.toUpperCase(Locale.ROOT);
        return key.equals(SECRETS) || SECRET_WORDS.stream().anyMatch(upper::contains);
    }

    private static void checkValues(JsonNode node, String path) throws InputException {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                checkValues(e.getValue(), path + "." + SafeText.excerpt(e.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) checkValues(node.get(i), path + "[" + i + "]");
        } else if (node.isPojo()) {
            throw new InputException(LaunchStep.USER_CONFIG, path, path + " is a TOML date-time, which the launcher does not pass on",
                    "write it as a string, or remove it");
        } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw new InputException(LaunchStep.USER_CONFIG, path, path + " is nan or inf, which the launcher does not pass on",
                    "use a finite number, or remove it");
        } else if (node.isBigInteger() || (node.isIntegralNumber() && !node.canConvertToLong())) {
            throw new InputException(LaunchStep.USER_CONFIG, path, path + " is an integer outside the 64-bit range TOML allows",
                    "use an integer in -2^63..2^63-1");
        }
    }

    /** The masked form: a node config printed by accident shows no secret. */
    @Override
    public String toString() {
        return maskedToml;
    }
}
