package org.dstack4j.launcher.nodeconfig;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.InputFile;
import org.dstack4j.launcher.config.UserConfig;
import org.dstack4j.launcher.config.UserConfigFormat;

/**
 * Reads {@code user_config} in the format the command line chose (see {@link UserConfigFormat}):
 * the size cap, link and file-type rules of {@link InputFile}, strict UTF-8, a leading BOM skipped.
 * Errors name the file and, for a parse error, the line and column only: never the file's text.
 */
public final class UserConfigReader {
    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");

    private UserConfigReader() {}

    /** What was read. */
    public sealed interface Read permits EnvFormat, TomlFormat {}

    /** The 2025 {@code KEY=VALUE} format. */
    public record EnvFormat(UserConfig config) implements Read {}

    /** Today's TOML format. */
    public record TomlFormat(TomlUserConfig config) implements Read {}

    /**
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input = the path or the key at fault
     */
    public static Read read(Path path, UserConfigFormat format) throws InputException {
        if (format == UserConfigFormat.ENV) return new EnvFormat(UserConfig.load(path));
        Optional<byte[]> bytes = InputFile.readIfPresent(path, UserConfig.MAX_BYTES, LaunchStep.USER_CONFIG, "user_config");
        if (bytes.isEmpty()) {
            if (format == UserConfigFormat.TOML) {
                throw new InputException(LaunchStep.USER_CONFIG, path.toString(),
                        "user_config " + path + " is absent, and TOML mode needs it",
                        "provide the TOML user_config ([launcher_config] and [mpc_node_config]), or launch with --user-config-format env");
            }
            return new EnvFormat(UserConfig.empty());
        }
        String text = UserConfig.decode(bytes.get(), path);
        String raw = text; // the .env parser skips one BOM itself
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        TomlText.Result toml = TomlText.read(text);
        if (format == UserConfigFormat.TOML) {
            if (toml instanceof TomlText.Failed f) throw notToml(path, f);
            return new TomlFormat(TomlUserConfig.from(((TomlText.Parsed) toml).root(), path));
        }
        // auto
        if (toml instanceof TomlText.Parsed p && (p.root().has(TomlUserConfig.LAUNCHER_CONFIG) || p.root().has(TomlUserConfig.MPC_NODE_CONFIG))) {
            return new TomlFormat(TomlUserConfig.from(p.root(), path));
        }
        if (toml instanceof TomlText.Failed f && looksLikeToml(text)) throw notToml(path, f);
        Optional<Integer> notEnv = firstNonEnvLine(text);
        if (toml instanceof TomlText.Failed f && notEnv.isPresent() && UserConfig.parse(text).entries().isEmpty()) {
            throw new InputException(LaunchStep.USER_CONFIG, path.toString(),
                    "user_config is neither TOML (not valid TOML at " + f.where() + ") nor .env (line " + notEnv.get()
                            + " is not KEY=VALUE)",
                    "write user_config as TOML ([launcher_config], [mpc_node_config]) or as KEY=VALUE lines");
        }
        return new EnvFormat(UserConfig.parse(raw, path));
    }

    private static InputException notToml(Path path, TomlText.Failed f) {
        // The production launcher's parser reads TOML 1.1 (multi-line inline tables, \e, \xHH, times
        // without seconds); this one reads 1.0, so the fix names the forms to rewrite.
        return new InputException(LaunchStep.USER_CONFIG, path.toString(),
                "user_config is not valid TOML at " + f.where(),
                "fix user_config at " + f.where() + " (TOML 1.0: an inline table { ... } on one line without a trailing comma,"
                        + " no \\e or \\xHH escapes, times with seconds), or launch with --user-config-format env for a KEY=VALUE file");
    }

    /** A table header of the TOML format on a line of its own. */
    private static boolean looksLikeToml(String text) {
        for (String raw : LINE_BREAK.split(text, -1)) {
            String line = raw.strip();
            if (line.startsWith("[" + TomlUserConfig.LAUNCHER_CONFIG) || line.startsWith("[" + TomlUserConfig.MPC_NODE_CONFIG)
                    || line.startsWith("[[" + TomlUserConfig.MPC_NODE_CONFIG)) {
                return true;
            }
        }
        return false;
    }

    /** The first (1-based) non-blank, non-comment line without {@code =} or with an empty key. */
    private static Optional<Integer> firstNonEnvLine(String text) {
        String[] lines = LINE_BREAK.split(text, -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0 || line.substring(0, eq).isBlank()) return Optional.of(i + 1);
        }
        return Optional.empty();
    }
}
