package org.dstack4j.attestation.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.sdk.Utf8;

/**
 * The MPC contract's launcher docker-compose template ({@code crates/contract/assets/launcher_docker_compose.yaml.template}
 * in near/mpc) and the allowed launcher compose hashes derived from it the way the contract derives them:
 * for every allowed launcher image digest L and every allowed MPC image digest M, the SHA-256 of the
 * template's exact UTF-8 bytes with every {@value #LAUNCHER_PLACEHOLDER} replaced by L and every
 * {@value #MPC_PLACEHOLDER} by M (64 lowercase hex, no {@code sha256:}: the template writes that prefix).
 *
 * <p>Templates of 2025 named one fixed launcher image and had only {@value #MPC_PLACEHOLDER}; such a
 * template renders one compose per MPC digest and takes no launcher digests.
 *
 * {@snippet :
 * LauncherTemplate t = LauncherTemplate.read(Path.of("launcher_docker_compose.yaml.template"));
 * List<LauncherRendering> allowed = t.renderAll(launcherDigests, policy.allowedImageHashes());
 * policy = policy.withLauncherRenderings(allowed);
 * }
 *
 * @param text   the template, exactly as read (no trimming, line endings kept)
 * @param source where it came from, for messages
 */
public record LauncherTemplate(String text, String source) {
    /** Replaced by the launcher image digest. */
    public static final String LAUNCHER_PLACEHOLDER = "{{LAUNCHER_IMAGE_HASH}}";
    /** Replaced by the MPC node image digest (the launcher's {@code DEFAULT_IMAGE_DIGEST}). */
    public static final String MPC_PLACEHOLDER = "{{DEFAULT_IMAGE_DIGEST_HASH}}";
    /** Largest template accepted (the contract's is about 600 bytes). */
    public static final int MAX_BYTES = 64 * 1024;

    /** @throws IllegalArgumentException if the text lacks {@value #MPC_PLACEHOLDER} */
    public LauncherTemplate {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(source, "source");
        if (!text.contains(MPC_PLACEHOLDER)) {
            throw new IllegalArgumentException(source + " has no " + MPC_PLACEHOLDER
                    + " placeholder: it is not the contract's launcher compose template");
        }
    }

    /**
     * Reads a template file: strict UTF-8, at most {@link #MAX_BYTES}, with {@value #MPC_PLACEHOLDER}.
     *
     * @throws IOException           if it cannot be read
     * @throws PolicyFormatException naming the file when it is too large, not UTF-8 or not a template
     */
    public static LauncherTemplate read(Path file) throws IOException, PolicyFormatException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) throw new PolicyFormatException(file.toString(), "is larger than " + MAX_BYTES + " bytes");
        String text;
        try {
            text = Utf8.decodeStrict(bytes); // a replaced byte would silently change every rendered hash
        } catch (CharacterCodingException e) {
            throw new PolicyFormatException(file.toString(), "is not valid UTF-8");
        }
        try {
            return new LauncherTemplate(text, file.toString());
        } catch (IllegalArgumentException e) {
            throw new PolicyFormatException(file.toString(), "has no " + MPC_PLACEHOLDER
                    + " placeholder: pass the contract's launcher_docker_compose.yaml.template");
        }
    }

    /** Whether the template takes a launcher image digest ({@value #LAUNCHER_PLACEHOLDER}); 2025 templates do not. */
    public boolean namesLauncherImage() {
        return text.contains(LAUNCHER_PLACEHOLDER);
    }

    /**
     * The compose the contract measures for this pair.
     *
     * @param launcherDigest {@code [sha256:]<64 hex>}; empty only for a template without {@value #LAUNCHER_PLACEHOLDER}
     * @param mpcDigest      {@code [sha256:]<64 hex>}
     * @throws IllegalArgumentException if a digest is malformed, or a launcher digest is missing or superfluous
     */
    public String render(Optional<String> launcherDigest, String mpcDigest) {
        if (launcherDigest.isPresent() != namesLauncherImage()) {
            throw new IllegalArgumentException(namesLauncherImage()
                    ? source + " has " + LAUNCHER_PLACEHOLDER + ": a launcher image digest is needed"
                    : source + " names a fixed launcher image (no " + LAUNCHER_PLACEHOLDER + "): it takes no launcher image digest");
        }
        String out = text;
        if (launcherDigest.isPresent()) out = out.replace(LAUNCHER_PLACEHOLDER, Digests.normalizeHash(launcherDigest.get()));
        return out.replace(MPC_PLACEHOLDER, Digests.normalizeHash(mpcDigest));
    }

    /** SHA-256 of {@link #render(Optional, String)}, as {@link LauncherRendering}. */
    public LauncherRendering rendering(Optional<String> launcherDigest, String mpcDigest) {
        String hash = Digests.sha256Hex(render(launcherDigest, mpcDigest));
        return new LauncherRendering(hash, launcherDigest.map(Digests::normalizeHash), Digests.normalizeHash(mpcDigest), source);
    }

    /**
     * Every pair of {@code launcherDigests} × {@code mpcDigests}, in that order (the contract's allowed
     * launcher compose hashes).
     *
     * @param launcherDigests must be empty exactly when the template has no {@value #LAUNCHER_PLACEHOLDER}
     * @param mpcDigests      must not be empty
     * @throws PolicyFormatException naming the template when the inputs do not fit it
     */
    public List<LauncherRendering> renderAll(Set<String> launcherDigests, Set<String> mpcDigests) throws PolicyFormatException {
        if (mpcDigests.isEmpty()) {
            throw new PolicyFormatException(source, "renders one compose per allowed MPC image digest, but none is allowed "
                    + "(pass --allowed-image-hashes)");
        }
        if (namesLauncherImage() && launcherDigests.isEmpty()) {
            throw new PolicyFormatException(source, "has " + LAUNCHER_PLACEHOLDER + ": pass the allowed launcher image "
                    + "digests (--allowed-launcher-image-hashes)");
        }
        if (!namesLauncherImage() && !launcherDigests.isEmpty()) {
            throw new PolicyFormatException(source, "names a fixed launcher image (no " + LAUNCHER_PLACEHOLDER
                    + "), so launcher image digests do not apply; drop --allowed-launcher-image-hashes");
        }
        List<LauncherRendering> out = new ArrayList<>();
        List<Optional<String>> launchers = namesLauncherImage()
                ? launcherDigests.stream().map(Optional::of).toList()
                : List.of(Optional.empty());
        for (Optional<String> l : launchers) {
            for (String m : mpcDigests) out.add(rendering(l, m));
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "LauncherTemplate[" + source + ", " + text.length() + " chars]";
    }
}
