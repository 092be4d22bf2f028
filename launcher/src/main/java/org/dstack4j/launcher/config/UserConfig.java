package org.dstack4j.launcher.config;

import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.sdk.Utf8;

/**
 * The dstack user config ({@code /tapp/user_config}): untrusted, unmeasured {@code KEY=VALUE}
 * settings, parsed exactly per spec/launcher.md "user_config format".
 *
 * <p>Per line: trim (Unicode whitespace, {@link String#strip()}); skip blank lines, lines starting
 * with {@code #} and lines without {@code =}; split at the first {@code =}; trim key and value;
 * skip an empty key; the last duplicate wins. No quote processing: {@code A="x"} gives {@code "x"}
 * with the quotes. Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}; a leading UTF-8 BOM
 * is ignored. Keys keep the position of their first occurrence.
 *
 * <p>Values may be secrets: {@link #toString()} and every error name keys only.
 */
public final class UserConfig {
    /** Largest accepted user_config file: 64 KiB (65536 bytes). */
    public static final int MAX_BYTES = 64 * 1024;

    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
    private static final UserConfig EMPTY = new UserConfig(Map.of(), Optional.empty());

    private final Map<String, String> entries;
    private final Optional<Path> source;

    private UserConfig(Map<String, String> entries, Optional<Path> source) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.source = source;
    }

    /** A config with no entries, as for a missing file. */
    public static UserConfig empty() {
        return EMPTY;
    }

    /** Parses user_config text (see the class comment for the rules). Never fails. */
    public static UserConfig parse(String text) {
        return new UserConfig(parseEntries(text), Optional.empty());
    }

    /** Parses user_config text read from {@code source} (see the class comment for the rules). Never fails. */
    public static UserConfig parse(String text, Path source) {
        return new UserConfig(parseEntries(text), Optional.of(source));
    }

    /**
     * Reads and parses the user_config file; a missing file is an empty config.
     *
     * @param path usually {@code /tapp/user_config}; a symbolic link is followed
     * @throws InputException (step {@link LaunchStep#USER_CONFIG}, input = the path) when the path is a
     *                        directory or other non-regular file, a broken link, larger than
     *                        {@value #MAX_BYTES} bytes, unreadable or not valid UTF-8
     */
    public static UserConfig load(Path path) throws InputException {
        Optional<byte[]> bytes = InputFile.readIfPresent(path, MAX_BYTES, LaunchStep.USER_CONFIG, "user_config");
        if (bytes.isEmpty()) return EMPTY;
        return new UserConfig(parseEntries(decode(bytes.get(), path)), Optional.of(path));
    }

    /**
     * user_config bytes as text, decoded strictly (a leading BOM is kept: the parsers skip it).
     *
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = the path, for invalid UTF-8
     */
    public static String decode(byte[] bytes, Path path) throws InputException {
        try {
            return Utf8.decodeStrict(bytes);
        } catch (CharacterCodingException e) {
            throw new InputException(LaunchStep.USER_CONFIG, path.toString(), "user_config is not valid UTF-8",
                    "save user_config as UTF-8 text", e);
        }
    }

    private static Map<String, String> parseEntries(String text) {
        Objects.requireNonNull(text, "text");
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        Map<String, String> entries = new LinkedHashMap<>();
        for (String raw : LINE_BREAK.split(text, -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq < 0) continue;
            String key = line.substring(0, eq).strip();
            if (key.isEmpty()) continue;
            entries.put(key, line.substring(eq + 1).strip());
        }
        return entries;
    }

    /** All entries, keys in order of first occurrence, values of the last occurrence; unmodifiable. */
    public Map<String, String> entries() {
        return entries;
    }

    /** The value of {@code key}, if present (possibly empty). */
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The file this config was read from; empty when parsed from text or the file was missing. */
    public Optional<Path> source() {
        return source;
    }

    /** Keys only: values may be secrets. */
    @Override
    public String toString() {
        return "UserConfig" + entries.keySet().stream().map(SafeText::escape).toList();
    }
}
