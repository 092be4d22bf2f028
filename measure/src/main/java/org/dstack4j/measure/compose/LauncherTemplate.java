package org.dstack4j.measure.compose;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.measure.InputFiles;
import org.dstack4j.measure.MeasureInputException;

/**
 * The MPC contract's launcher compose template: {@code {{LAUNCHER_IMAGE_HASH}}} and
 * {@code {{DEFAULT_IMAGE_DIGEST_HASH}}} replaced, every occurrence, by the 64 lowercase hex digits of the
 * launcher and default MPC image digests (the template itself writes the {@code sha256:} before them).
 * Nothing else in the text changes; the result's SHA-256 is the launcher compose hash the contract allows.
 */
public final class LauncherTemplate {
    public static final String LAUNCHER = "{{LAUNCHER_IMAGE_HASH}}";
    public static final String DEFAULT_IMAGE = "{{DEFAULT_IMAGE_DIGEST_HASH}}";
    private static final Pattern DIGEST = Pattern.compile("(?:sha256:)?([0-9a-fA-F]{64})");
    private static final Pattern LEFTOVER = Pattern.compile("\\{\\{[A-Za-z0-9_]+}}");

    private LauncherTemplate() {}

    /**
     * Renders the template.
     *
     * @param launcherDigest {@code sha256:<64 hex>} (the prefix is optional)
     * @param defaultDigest  {@code sha256:<64 hex>} (the prefix is optional)
     * @throws MeasureInputException on a malformed digest, a missing placeholder or one this renderer does not know
     */
    public static String render(String template, String launcherDigest, String defaultDigest) throws MeasureInputException {
        String launcher = hex(launcherDigest, "--launcher-digest");
        String image = hex(defaultDigest, "--default-digest");
        for (String placeholder : new String[] {LAUNCHER, DEFAULT_IMAGE}) {
            if (!template.contains(placeholder)) {
                throw new MeasureInputException("the template has no " + placeholder + "; pass the contract's launcher compose template");
            }
        }
        String out = template.replace(LAUNCHER, launcher).replace(DEFAULT_IMAGE, image);
        Matcher left = LEFTOVER.matcher(out);
        if (left.find()) {
            throw new MeasureInputException("the template has a placeholder this tool does not fill: " + left.group());
        }
        return out;
    }

    /** SHA-256 of the rendered text's UTF-8 bytes, 32 bytes. */
    public static byte[] hash(String rendered) {
        return InputFiles.newDigest("SHA-256").digest(rendered.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(String digest, String flag) throws MeasureInputException {
        Matcher m = DIGEST.matcher(digest.trim());
        if (!m.matches()) {
            throw new MeasureInputException(flag + " must be sha256: and 64 hex digits, got \"" + digest + "\"");
        }
        return m.group(1).toLowerCase(java.util.Locale.ROOT);
    }
}
