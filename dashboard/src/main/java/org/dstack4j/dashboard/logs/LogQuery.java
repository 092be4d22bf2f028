package org.dstack4j.dashboard.logs;

import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import org.dstack4j.dashboard.BadRequest;

/**
 * The parameters of {@code GET /logs/<container>}, with the meanings of dstack's guest agent
 * ({@code guest-agent/src/http_routes.rs}):
 *
 * <ul>
 *   <li>{@code since}, {@code until}: empty or absent = no bound; only digits = seconds since the epoch;
 *       {@code N} followed by {@code s}, {@code m}, {@code h} or {@code d} = that long before now;</li>
 *   <li>{@code follow}: keep the stream open for new lines; {@code timestamps}: the engine prefixes each line
 *       with its RFC 3339 time;</li>
 *   <li>{@code text}: messages as UTF-8 text (else base64); {@code bare}: the message alone (else one JSON
 *       object {@code {"channel","message"}} per line); {@code ansi}: keep ANSI escapes in bare text;</li>
 *   <li>{@code tail}: {@code all} or the number of last lines, default {@value #DEFAULT_TAIL}, at most
 *       {@value #MAX_TAIL}.</li>
 * </ul>
 *
 * A flag given without a value ({@code ?text&bare}) is true; {@code true/false}, {@code 1/0}, {@code yes/no},
 * {@code on/off} are accepted too.
 *
 * @param container the container name as the engine knows it, validated by {@link #containerName}
 * @param since     lower bound in seconds since the epoch, 0 = none
 * @param until     upper bound in seconds since the epoch, 0 = none
 * @param tail      {@code all} or a decimal line count
 */
public record LogQuery(String container, long since, long until, boolean follow, boolean text, boolean timestamps,
                       boolean bare, String tail, boolean ansi) {
    /** dstack's default number of last lines. */
    public static final String DEFAULT_TAIL = "1000";
    /** The most last lines one request may ask for (a bigger number is refused, {@code all} is not). */
    public static final int MAX_TAIL = 100_000;
    /** Longest container name accepted, in characters. */
    public static final int MAX_NAME = 128;

    // Docker's own rule for container names ([a-zA-Z0-9][a-zA-Z0-9_.-]+), which also covers IDs
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0," + (MAX_NAME - 1) + "}");
    private static final Pattern RELATIVE = Pattern.compile("([0-9]{1,9})([smhd])");

    /**
     * Parses a request.
     *
     * @param container the path segment after {@code /logs/} (already percent-decoded)
     * @param query     query parameters; a flag without a value maps to {@code ""}
     * @param now       the current time, for relative bounds
     * @throws BadRequest 400 naming the parameter and the accepted forms
     */
    public static LogQuery parse(String container, Map<String, String> query, Instant now) throws BadRequest {
        return new LogQuery(containerName(container),
                bound("since", query.get("since"), now), bound("until", query.get("until"), now),
                flag("follow", query), flag("text", query), flag("timestamps", query), flag("bare", query),
                tail(query.get("tail")), flag("ansi", query));
    }

    /**
     * A container name as Docker allows it ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, at most {@value #MAX_NAME}
     * characters); a leading {@code /} (as the engine lists names) is dropped. Anything else, e.g. {@code ../x},
     * is refused, so a name can never reach another engine endpoint.
     *
     * @throws BadRequest 400
     */
    public static String containerName(String raw) throws BadRequest {
        String name = raw != null && raw.startsWith("/") ? raw.substring(1) : raw;
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BadRequest(400, "container name must be 1.." + MAX_NAME
                    + " characters of a-z A-Z 0-9 _ . - starting with a letter or digit");
        }
        return name;
    }

    /**
     * {@code since}/{@code until} in seconds since the epoch (0 = none).
     *
     * @throws BadRequest 400
     */
    public static long bound(String name, String value, Instant now) throws BadRequest {
        if (value == null || value.isEmpty()) return 0;
        if (value.length() <= 12 && value.chars().allMatch(c -> c >= '0' && c <= '9')) return Long.parseLong(value);
        var m = RELATIVE.matcher(value);
        if (!m.matches()) {
            throw new BadRequest(400, name + " must be seconds since the epoch (up to 12 digits) or a duration before now: "
                    + "1 to 9 digits followed by s, m, h or d (e.g. 10m)");
        }
        long n = Long.parseLong(m.group(1));
        long seconds = switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86_400;
        };
        return Math.max(1, now.getEpochSecond() - seconds); // 0 would mean "no bound"
    }

    /**
     * {@code all} or a line count 0..{@value #MAX_TAIL}; absent = {@value #DEFAULT_TAIL}.
     *
     * @throws BadRequest 400
     */
    public static String tail(String value) throws BadRequest {
        if (value == null || value.isEmpty()) return DEFAULT_TAIL;
        if (value.equals("all")) return value;
        if (value.length() <= 6 && value.chars().allMatch(c -> c >= '0' && c <= '9')
                && Integer.parseInt(value) <= MAX_TAIL) {
            return Integer.toString(Integer.parseInt(value));
        }
        throw new BadRequest(400, "tail must be all or a number of lines 0.." + MAX_TAIL);
    }

    private static boolean flag(String name, Map<String, String> query) throws BadRequest {
        String v = query.get(name);
        if (v == null) return false;
        return switch (v) {
            case "", "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new BadRequest(400, name + " must be empty, true or false");
        };
    }

    /** The engine's query string for {@code GET /containers/{name}/logs}. */
    public String engineQuery() {
        StringBuilder q = new StringBuilder("stdout=1&stderr=1");
        q.append("&follow=").append(follow ? 1 : 0);
        q.append("&timestamps=").append(timestamps ? 1 : 0);
        if (since > 0) q.append("&since=").append(since);
        if (until > 0) q.append("&until=").append(until);
        q.append("&tail=").append(tail);
        return q.toString();
    }
}
