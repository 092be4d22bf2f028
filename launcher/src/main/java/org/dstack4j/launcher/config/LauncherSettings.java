package org.dstack4j.launcher.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.registry.ImageReference;
import org.dstack4j.launcher.registry.RetryPolicy;

/**
 * The launcher-only settings read from user_config (spec/launcher.md, "Launcher-only keys"). They
 * choose where to look for the image and how patiently; they can never change a path, the platform,
 * the trust settings or the checks, and are never passed to the node container.
 *
 * <p>user_config is untrusted, so every value is validated and bounded; any invalid value is an
 * {@link InputException} at {@link LaunchStep#USER_CONFIG} naming the key. None of these keys hold
 * secrets, so messages show a short, escaped excerpt of the bad value.
 *
 * @param imageName    OCI repository name, e.g. {@code nearone/mpc-node}
 * @param registry     registry {@code host[:port]}, no scheme, path or userinfo
 * @param tags         tags to search in order; non-empty, no duplicates, at most {@value #MAX_TAGS}
 * @param hashOverride raw {@code MPC_HASH_OVERRIDE} value when the key is present and non-empty
 *                     (validated by the digest selector, which owns the selection rules)
 * @param retry        per-request timeout, first retry delay and attempts for registry requests
 */
public record LauncherSettings(
        String imageName, String registry, List<String> tags, Optional<String> hashOverride, RetryPolicy retry) {

    public static final String IMAGE_NAME = "MPC_IMAGE_NAME";
    public static final String REGISTRY = "MPC_REGISTRY";
    public static final String IMAGE_TAGS = "MPC_IMAGE_TAGS";
    public static final String HASH_OVERRIDE = "MPC_HASH_OVERRIDE";
    public static final String REQUEST_TIMEOUT = "RPC_REQUEST_TIMEOUT_SECS";
    public static final String REQUEST_INTERVAL = "RPC_REQUEST_INTERVAL_SECS";
    public static final String MAX_ATTEMPTS = "RPC_MAX_ATTEMPTS";

    /** Every launcher-only key: read by the launcher, never passed to the container. */
    public static final Set<String> KEYS = Set.of(
            IMAGE_NAME, REGISTRY, IMAGE_TAGS, HASH_OVERRIDE, REQUEST_TIMEOUT, REQUEST_INTERVAL, MAX_ATTEMPTS);

    public static final String DEFAULT_IMAGE_NAME = "nearone/mpc-node";
    public static final String DEFAULT_REGISTRY = "registry.hub.docker.com";
    public static final List<String> DEFAULT_TAGS = List.of("latest");
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_ATTEMPTS = 20;

    /** Bounds that keep an untrusted user_config from making the launcher hang. */
    public static final double MAX_REQUEST_TIMEOUT_SECS = 300;
    public static final double MAX_REQUEST_INTERVAL_SECS = 60;
    public static final int MAX_MAX_ATTEMPTS = 100;
    public static final int MAX_TAGS = 16;

    /** Longest repository name Docker accepts. */
    public static final int MAX_IMAGE_NAME_LENGTH = 255;

    // OCI distribution spec, "pulling manifests": path components separated by '/'.
    private static final String NAME_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
    private static final Pattern IMAGE_NAME_PATTERN =
            Pattern.compile(NAME_COMPONENT + "(?:/" + NAME_COMPONENT + ")*");
    private static final Pattern TAG_PATTERN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    // host: DNS name or IPv4 (dot-separated labels), or a bracketed IPv6 literal; optional :port.
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern REGISTRY_PATTERN = Pattern.compile(
            "(?<host>" + LABEL + "(?:\\." + LABEL + ")*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::(?<port>[0-9]{1,5}))?");
    private static final int MAX_HOST_LENGTH = 253;
    // Decimal seconds, optionally with an exponent: what the reference parses with float(), minus
    // inf/nan/hex forms and Java's 'd'/'f' suffixes.
    private static final Pattern SECONDS = Pattern.compile("(?:[0-9]{1,10}(?:\\.[0-9]{0,9})?|\\.[0-9]{1,9})(?:[eE][+-]?[0-9]{1,2})?");
    private static final Pattern ATTEMPTS = Pattern.compile("[0-9]{1,3}");

    public LauncherSettings {
        Objects.requireNonNull(imageName, "imageName");
        Objects.requireNonNull(registry, "registry");
        tags = List.copyOf(tags);
        if (tags.isEmpty()) throw new IllegalArgumentException("tags must not be empty");
        Objects.requireNonNull(hashOverride, "hashOverride");
        Objects.requireNonNull(retry, "retry");
    }

    /** The settings with no user_config entries. */
    public static LauncherSettings defaults() {
        return new LauncherSettings(DEFAULT_IMAGE_NAME, DEFAULT_REGISTRY, DEFAULT_TAGS, Optional.empty(),
                new RetryPolicy(DEFAULT_REQUEST_TIMEOUT, DEFAULT_REQUEST_INTERVAL, DEFAULT_MAX_ATTEMPTS));
    }

    /**
     * Reads and validates the launcher-only keys; absent keys take their defaults.
     *
     * <ul>
     *   <li>{@code MPC_IMAGE_NAME}: OCI repository name (lowercase components {@code [a-z0-9]} joined
     *       by {@code .}, {@code _}, {@code __} or dashes, separated by {@code /}), ≤ 255 characters;</li>
     *   <li>{@code MPC_REGISTRY}: {@code host[:port]}, host a DNS name, IPv4 or {@code [IPv6]}, port
     *       1..65535;</li>
     *   <li>{@code MPC_IMAGE_TAGS}: comma-separated, trimmed, empties dropped, duplicates dropped, order
     *       kept; each {@code [A-Za-z0-9_][A-Za-z0-9._-]{0,127}}; 1..{@value #MAX_TAGS} tags;</li>
     *   <li>{@code RPC_REQUEST_TIMEOUT_SECS}: decimal seconds in 0.001..300 (millisecond resolution);</li>
     *   <li>{@code RPC_REQUEST_INTERVAL_SECS}: decimal seconds in 0..60 (millisecond resolution);</li>
     *   <li>{@code RPC_MAX_ATTEMPTS}: integer 1..100;</li>
     *   <li>{@code MPC_HASH_OVERRIDE}: kept raw, checked by the digest selector; an empty value means no
     *       override (as the reference launcher reads it).</li>
     * </ul>
     *
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = the key, for any invalid value
     */
    public static LauncherSettings from(UserConfig config) throws InputException {
        String imageName = config.get(IMAGE_NAME).orElse(DEFAULT_IMAGE_NAME);
        if (imageName.length() > MAX_IMAGE_NAME_LENGTH || !IMAGE_NAME_PATTERN.matcher(imageName).matches()) {
            throw invalid(IMAGE_NAME, imageName,
                    "a repository name: lowercase letters and digits, separators . _ __ - within components, components joined by /, at most "
                            + MAX_IMAGE_NAME_LENGTH + " characters (e.g. " + DEFAULT_IMAGE_NAME + ")");
        }
        String registry = config.get(REGISTRY).orElse(DEFAULT_REGISTRY);
        if (!validRegistry(registry)) {
            throw invalid(REGISTRY, withoutUserInfo(registry),
                    "host[:port] without scheme, path or user (e.g. " + DEFAULT_REGISTRY + " or 127.0.0.1:5000)");
        }
        List<String> tags = config.get(IMAGE_TAGS).isPresent() ? tags(config.get(IMAGE_TAGS).get()) : DEFAULT_TAGS;
        Duration timeout = config.get(REQUEST_TIMEOUT).isPresent()
                ? seconds(REQUEST_TIMEOUT, config.get(REQUEST_TIMEOUT).get(), 0.001, MAX_REQUEST_TIMEOUT_SECS)
                : DEFAULT_REQUEST_TIMEOUT;
        Duration interval = config.get(REQUEST_INTERVAL).isPresent()
                ? seconds(REQUEST_INTERVAL, config.get(REQUEST_INTERVAL).get(), 0, MAX_REQUEST_INTERVAL_SECS)
                : DEFAULT_REQUEST_INTERVAL;
        int attempts = config.get(MAX_ATTEMPTS).isPresent()
                ? attempts(config.get(MAX_ATTEMPTS).get())
                : DEFAULT_MAX_ATTEMPTS;
        // An empty MPC_HASH_OVERRIDE= means no override, as the reference launcher reads it.
        return new LauncherSettings(imageName, registry, tags, config.get(HASH_OVERRIDE).filter(v -> !v.isEmpty()),
                new RetryPolicy(timeout, interval, attempts));
    }

    /** Where to look for the image: registry, repository name and tags, in order. */
    public ImageReference imageReference() {
        return new ImageReference(registry, imageName, tags);
    }

    /** An OCI repository name of at most {@value #MAX_IMAGE_NAME_LENGTH} characters. */
    public static boolean validImageName(String name) {
        return name.length() <= MAX_IMAGE_NAME_LENGTH && IMAGE_NAME_PATTERN.matcher(name).matches();
    }

    /** A tag, {@code [A-Za-z0-9_][A-Za-z0-9._-]{0,127}}. */
    public static boolean validTag(String tag) {
        return TAG_PATTERN.matcher(tag).matches();
    }

    /** {@code host[:port]}: a DNS name, IPv4 or {@code [IPv6]}, port 1..65535. */
    public static boolean validRegistry(String value) {
        var m = REGISTRY_PATTERN.matcher(value);
        if (!m.matches() || m.group("host").length() > MAX_HOST_LENGTH) return false;
        String port = m.group("port");
        if (port == null) return true;
        int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535;
    }

    /** {@code user:password@host} → {@code ***@host}: credentials typed into MPC_REGISTRY must not reach the log. */
    private static String withoutUserInfo(String registry) {
        int at = registry.lastIndexOf('@');
        return at < 0 ? registry : "***" + registry.substring(at);
    }

    private static List<String> tags(String value) throws InputException {
        Set<String> tags = new LinkedHashSet<>();
        int index = 0;
        for (String item : value.split(",", -1)) {
            String tag = item.strip();
            if (tag.isEmpty()) continue;
            if (!TAG_PATTERN.matcher(tag).matches()) {
                throw new InputException(LaunchStep.USER_CONFIG, IMAGE_TAGS,
                        IMAGE_TAGS + " invalid: tag " + index + " " + SafeText.excerpt(tag)
                                + " is not a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})",
                        "set " + IMAGE_TAGS + " to comma-separated tags, e.g. latest,3.0.1");
            }
            tags.add(tag);
            index++;
        }
        if (tags.isEmpty()) {
            throw new InputException(LaunchStep.USER_CONFIG, IMAGE_TAGS, IMAGE_TAGS + " invalid: no tags",
                    "give at least one tag, e.g. " + IMAGE_TAGS + "=latest, or remove the line");
        }
        if (tags.size() > MAX_TAGS) {
            throw new InputException(LaunchStep.USER_CONFIG, IMAGE_TAGS,
                    IMAGE_TAGS + " invalid: " + tags.size() + " tags, more than " + MAX_TAGS,
                    "list at most " + MAX_TAGS + " tags");
        }
        return new ArrayList<>(tags);
    }

    private static Duration seconds(String key, String value, double min, double max) throws InputException {
        String expected = "decimal seconds in " + format(min) + ".." + format(max);
        if (!SECONDS.matcher(value).matches()) throw invalid(key, value, expected);
        double seconds = Double.parseDouble(value);
        long millis = Math.round(seconds * 1000);
        if (seconds < min || seconds > max || millis < Math.round(min * 1000)) throw invalid(key, value, expected);
        return Duration.ofMillis(millis);
    }

    private static int attempts(String value) throws InputException {
        String expected = "an integer in 1.." + MAX_MAX_ATTEMPTS;
        if (!ATTEMPTS.matcher(value).matches()) throw invalid(MAX_ATTEMPTS, value, expected);
        int attempts = Integer.parseInt(value);
        if (attempts < 1 || attempts > MAX_MAX_ATTEMPTS) throw invalid(MAX_ATTEMPTS, value, expected);
        return attempts;
    }

    private static String format(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static InputException invalid(String key, String value, String expected) {
        return new InputException(LaunchStep.USER_CONFIG, key,
                key + " invalid: " + SafeText.excerpt(value) + " (expected " + expected + ")",
                "fix " + key + " in user_config, or remove the line to use the default");
    }
}
