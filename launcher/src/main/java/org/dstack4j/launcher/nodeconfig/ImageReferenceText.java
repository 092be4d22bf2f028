package org.dstack4j.launcher.nodeconfig;

import java.util.List;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.LauncherSettings;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.registry.ImageReference;

/**
 * {@code [launcher_config] image_reference}: {@code [registry[:port]/]name[:tag]}, checked as
 * production checks it (near/mpc {@code validate_image_reference}): non-empty; only
 * {@code [A-Za-z0-9._/:-]} (so no {@code @}, no digest); starts with a letter or digit; does not end
 * with {@code :}, {@code /} or {@code .}; no {@code //}, {@code ::} or {@code :.}. Beyond that, the
 * name must be a valid repository name and the registry a valid {@code host[:port]}, since the
 * launcher speaks to the registry itself.
 *
 * <p>The first path component is the registry when it contains {@code .} or {@code :} or is
 * {@code localhost} (Docker's rule); otherwise the registry is Docker Hub. The tag (after the last
 * {@code :} of the last component) is where the image-ID form of a digest is searched; the manifest
 * form is fetched by digest and needs no tag. Default tag {@code latest}.
 */
public final class ImageReferenceText {
    public static final String KEY = "image_reference";

    private ImageReferenceText() {}

    /**
     * @throws InputException at {@link LaunchStep#USER_CONFIG}, input {@code image_reference}
     */
    public static ImageReference parse(String text) throws InputException {
        if (!structurallyValid(text)) {
            throw invalid(text, "only [A-Za-z0-9._/:-], starting with a letter or digit, not ending with : / or ., "
                    + "without // :: or :. and without a digest (@)");
        }
        String rest = text;
        String registry = LauncherSettings.DEFAULT_REGISTRY;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = "latest";
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (!LauncherSettings.validImageName(rest)) {
            throw invalid(text, "the repository name " + SafeText.excerpt(rest) + " must be lowercase components "
                    + "[a-z0-9] joined by . _ __ or -, separated by /");
        }
        if (!LauncherSettings.validRegistry(registry)) {
            throw invalid(text, "the registry " + SafeText.excerpt(registry) + " must be host[:port] with a port in 1..65535");
        }
        if (!LauncherSettings.validTag(tag)) {
            throw invalid(text, "the tag " + SafeText.excerpt(tag) + " must be [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
        }
        return new ImageReference(registry, rest, List.of(tag));
    }

    static boolean structurallyValid(String s) {
        if (s.isEmpty() || !isAsciiAlnum(s.charAt(0))) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAsciiAlnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == ':')) return false;
        }
        return !s.endsWith(":") && !s.endsWith("/") && !s.endsWith(".")
                && !s.contains("//") && !s.contains("::") && !s.contains(":.");
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static InputException invalid(String text, String expected) {
        return new InputException(LaunchStep.USER_CONFIG, KEY,
                KEY + " invalid: " + SafeText.excerpt(text) + " (" + expected + ")",
                "set [launcher_config] " + KEY + " to [registry[:port]/]name[:tag], e.g. nearone/mpc-node or "
                        + "ghcr.io/nearone/mpc-node:3.8.1");
    }
}
