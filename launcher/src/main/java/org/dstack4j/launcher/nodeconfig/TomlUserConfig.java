package org.dstack4j.launcher.nodeconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.container.PortMapping;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * Today's production {@code /tapp/user_config} (near/mpc {@code crates/tee-launcher}, since April
 * 2026), a TOML document:
 *
 * <pre>
 * [launcher_config]
 * image_reference = "nearone/mpc-node"          # required, see {@link ImageReferenceText}
 * mpc_hash_override = "sha256:&lt;64 hex&gt;"       # optional; hex in either case, as production
 * port_mappings = [{ host = 80, container = 80 }] # required (may be empty), ports 1..65535
 * pull_max_retries = 5                            # optional, 0..100
 * pull_retry_interval_secs = 2                    # optional, 0..3600
 * pull_max_delay_secs = 60                        # optional, 0..3600
 *
 * [mpc_node_config]                               # required; opaque to the launcher
 * </pre>
 *
 * <p>Stricter than production, deliberately (fail closed on the trusted path): an unknown key in
 * {@code [launcher_config]}, in a port mapping or at the top level is an error (production ignores
 * it, so a misspelt {@code mpc_hash_overide} would silently select another image); two mappings of
 * one host port are an error. Values in {@code [mpc_node_config]} are checked by {@link NodeConfig}.
 *
 * @param image          registry, name and the tag to search for an image-ID digest
 * @param hashOverride   {@code mpc_hash_override}, when given
 * @param ports          {@code port_mappings}, in order
 * @param pull           pull retry settings
 * @param nodeConfig     {@code [mpc_node_config]}, as parsed (may hold secrets: never log it)
 * @param source         the file
 */
public record TomlUserConfig(
        ImageReference image, Optional<ImageDigest> hashOverride, List<PortMapping> ports, PullRetry pull,
        ObjectNode nodeConfig, Path source) {

    public static final String LAUNCHER_CONFIG = "launcher_config";
    public static final String MPC_NODE_CONFIG = "mpc_node_config";
    public static final String HASH_OVERRIDE = "mpc_hash_override";
    public static final String PORT_MAPPINGS = "port_mappings";
    public static final String PULL_MAX_RETRIES = "pull_max_retries";
    public static final String PULL_RETRY_INTERVAL = "pull_retry_interval_secs";
    public static final String PULL_MAX_DELAY = "pull_max_delay_secs";
    private static final Set<String> LAUNCHER_KEYS = Set.of(ImageReferenceText.KEY, HASH_OVERRIDE, PORT_MAPPINGS,
            PULL_MAX_RETRIES, PULL_RETRY_INTERVAL, PULL_MAX_DELAY);
    private static final Set<String> TOP_KEYS = Set.of(LAUNCHER_CONFIG, MPC_NODE_CONFIG);

    public TomlUserConfig {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(hashOverride, "hashOverride");
        ports = List.copyOf(ports);
        Objects.requireNonNull(pull, "pull");
        Objects.requireNonNull(nodeConfig, "nodeConfig");
        Objects.requireNonNull(source, "source");
    }

    /**
     * Reads the document's two tables.
     *
     * @param root   the parsed TOML document
     * @param source the file, named in errors
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = the key at fault (values of
     *                        {@code [launcher_config]} are not secrets and are quoted, escaped and cut)
     */
    public static TomlUserConfig from(ObjectNode root, Path source) throws InputException {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_KEYS.contains(key)) {
                throw bad(key, "unknown top-level key " + SafeText.excerpt(key) + " in TOML user_config",
                        "keep only [" + LAUNCHER_CONFIG + "] and [" + MPC_NODE_CONFIG + "]; node settings go under [" + MPC_NODE_CONFIG + "]");
            }
        }
        JsonNode launcher = root.get(LAUNCHER_CONFIG);
        if (launcher == null || !launcher.isObject()) {
            throw bad(LAUNCHER_CONFIG, "TOML user_config has no [" + LAUNCHER_CONFIG + "] table",
                    "add [" + LAUNCHER_CONFIG + "] with image_reference and port_mappings");
        }
        JsonNode node = root.get(MPC_NODE_CONFIG);
        if (node == null || !node.isObject()) {
            throw bad(MPC_NODE_CONFIG, "TOML user_config has no [" + MPC_NODE_CONFIG + "] table",
                    "add [" + MPC_NODE_CONFIG + "] with the node's settings");
        }
        for (Iterator<String> it = launcher.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!LAUNCHER_KEYS.contains(key)) {
                throw bad(key, "unknown key " + SafeText.excerpt(key) + " in [" + LAUNCHER_CONFIG + "]",
                        "use only " + String.join(", ", LAUNCHER_KEYS.stream().sorted().toList()));
            }
        }
        JsonNode ref = launcher.get(ImageReferenceText.KEY);
        if (ref == null || !ref.isTextual()) {
            throw bad(ImageReferenceText.KEY, "[" + LAUNCHER_CONFIG + "] " + ImageReferenceText.KEY + " is missing or not a string",
                    "set image_reference = \"nearone/mpc-node\" (or your registry's image)");
        }
        ImageReference image = ImageReferenceText.parse(ref.textValue());
        Optional<ImageDigest> override = Optional.empty();
        JsonNode o = launcher.get(HASH_OVERRIDE);
        if (o != null) {
            // Hex in any case, as production reads it (hex decoding); the digest is the same bytes.
            Optional<ImageDigest> parsed = o.isTextual() && o.textValue().startsWith("sha256:")
                    ? ImageDigest.parse("sha256:" + o.textValue().substring(7).toLowerCase(Locale.ROOT)) : Optional.empty();
            if (parsed.isEmpty()) {
                throw bad(HASH_OVERRIDE, HASH_OVERRIDE + " invalid: " + SafeText.excerpt(o.isTextual() ? o.textValue() : o.toString()),
                        "set " + HASH_OVERRIDE + " to \"sha256:<64 hex>\" from the approved list, or remove it");
            }
            override = parsed;
        }
        List<PortMapping> ports = ports(launcher.get(PORT_MAPPINGS));
        int retries = (int) integer(launcher, PULL_MAX_RETRIES, PullRetry.DEFAULT_MAX_RETRIES, PullRetry.MAX_RETRIES);
        long interval = integer(launcher, PULL_RETRY_INTERVAL, PullRetry.DEFAULT_INTERVAL_SECS, PullRetry.MAX_SECS);
        long maxDelay = integer(launcher, PULL_MAX_DELAY, PullRetry.DEFAULT_MAX_DELAY_SECS, PullRetry.MAX_SECS);
        return new TomlUserConfig(image, override, ports,
                new PullRetry(retries, Duration.ofSeconds(interval), Duration.ofSeconds(maxDelay)), (ObjectNode) node, source);
    }

    private static List<PortMapping> ports(JsonNode list) throws InputException {
        String fix = "set port_mappings = [{ host = 80, container = 80 }, ...] with ports in 1..65535 (or [] for none)";
        if (list == null || !list.isArray()) {
            throw bad(PORT_MAPPINGS, "[" + LAUNCHER_CONFIG + "] " + PORT_MAPPINGS + " is missing or not an array", fix);
        }
        List<PortMapping> ports = new ArrayList<>();
        Map<Integer, Integer> hosts = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String at = PORT_MAPPINGS + "[" + i + "]";
            JsonNode m = list.get(i);
            if (!m.isObject() || m.size() != 2 || !m.has("host") || !m.has("container")) {
                throw bad(at, at + " is not { host = <port>, container = <port> }", fix);
            }
            int host = port(m.get("host"), at + ".host", fix);
            int container = port(m.get("container"), at + ".container", fix);
            Integer first = hosts.putIfAbsent(host, i);
            if (first != null) throw bad(at, at + " maps host port " + host + " again (" + PORT_MAPPINGS + "[" + first + "])", fix);
            ports.add(new PortMapping(host, container));
        }
        return ports;
    }

    private static int port(JsonNode n, String at, String fix) throws InputException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > 65535) {
            throw bad(at, at + " is not a port in 1..65535: " + SafeText.excerpt(String.valueOf(n)), fix);
        }
        return n.intValue();
    }

    private static long integer(JsonNode table, String key, long dflt, long max) throws InputException {
        JsonNode n = table.get(key);
        if (n == null) return dflt;
        if (!n.isIntegralNumber() || n.bigIntegerValue().compareTo(BigInteger.ZERO) < 0
                || n.bigIntegerValue().compareTo(BigInteger.valueOf(max)) > 0) {
            throw bad(key, key + " invalid: " + SafeText.excerpt(n.toString()) + " (expected an integer in 0.." + max + ")",
                    "fix " + key + " in [" + LAUNCHER_CONFIG + "], or remove it to use the default " + dflt);
        }
        return n.longValue();
    }

    private static InputException bad(String input, String problem, String fix) {
        return new InputException(LaunchStep.USER_CONFIG, input, problem, fix);
    }
}
