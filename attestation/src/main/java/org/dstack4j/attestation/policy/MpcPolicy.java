package org.dstack4j.attestation.policy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.attestation.evidence.NodeKeys;

/**
 * What an MPC verifier accepts, on top of a DCAP-valid quote (docs/attestation.md "Application checks").
 *
 * {@snippet :
 * MpcPolicy policy = MpcPolicy.withDefaultMeasurements(
 *         MpcPolicy.imageHashesFrom(Path.of("image-digest.bin")),
 *         MpcPolicy.launcherComposeHashesFrom(Path.of("launcher-compose-hashes.txt")));
 * }
 *
 * @param allowedImageHashes           allowed MPC node image digests ({@code mpc-image-digest} payloads), 64
 *                                     lowercase hex; {@code sha256:} and upper case are normalised away. Opaque
 *                                     sha256 digests: the image manifest digest today (near/mpc #2785), the
 *                                     image ID (config digest) for 2025 nodes

 * @param allowedLauncherComposeHashes allowed SHA-256 values of {@code app_compose.docker_compose_file}, 64 hex
 * @param allowedMeasurements          allowed MRTD/RTMR0–2/key-provider sets; a node must match one
 * @param expectedKeys                 the node keys the report data must bind, when the verifier knows them
 *                                     (e.g. from the chain); without them the keys in the evidence are used
 * @param launcherRenderings           how each launcher compose hash derived from the contract's template was
 *                                     rendered, by compose hash; every key is in {@code allowedLauncherComposeHashes}
 */
public record MpcPolicy(Set<String> allowedImageHashes, Set<String> allowedLauncherComposeHashes,
        List<MeasurementSet> allowedMeasurements, Optional<NodeKeys> expectedKeys,
        Map<String, LauncherRendering> launcherRenderings) {

    /**
     * @throws IllegalArgumentException if a hash is not 64 hex characters (with optional {@code sha256:}), or a
     *                                  rendering's hash is not an allowed launcher compose hash
     */
    public MpcPolicy {
        allowedImageHashes = normalized(allowedImageHashes);
        allowedLauncherComposeHashes = normalized(allowedLauncherComposeHashes);
        allowedMeasurements = List.copyOf(allowedMeasurements);
        Objects.requireNonNull(expectedKeys, "expectedKeys");
        launcherRenderings = Map.copyOf(launcherRenderings);
        for (Map.Entry<String, LauncherRendering> e : launcherRenderings.entrySet()) {
            if (!e.getKey().equals(e.getValue().composeHash()) || !allowedLauncherComposeHashes.contains(e.getKey())) {
                throw new IllegalArgumentException("launcher rendering " + e.getKey() + " is not an allowed launcher compose hash");
            }
        }
    }

    /** A policy without template renderings. */
    public MpcPolicy(Set<String> allowedImageHashes, Set<String> allowedLauncherComposeHashes,
            List<MeasurementSet> allowedMeasurements, Optional<NodeKeys> expectedKeys) {
        this(allowedImageHashes, allowedLauncherComposeHashes, allowedMeasurements, expectedKeys, Map.of());
    }

    /** A policy with the built-in {@link MeasurementSet#defaults()} and no expected keys. */
    public static MpcPolicy withDefaultMeasurements(Set<String> imageHashes, Set<String> launcherComposeHashes) {
        return new MpcPolicy(imageHashes, launcherComposeHashes, MeasurementSet.defaults(), Optional.empty());
    }

    /** A copy that requires the report data to bind {@code keys}. */
    public MpcPolicy withExpectedKeys(NodeKeys keys) {
        return new MpcPolicy(allowedImageHashes, allowedLauncherComposeHashes, allowedMeasurements, Optional.of(keys),
                launcherRenderings);
    }

    /** A copy with other allowed measurement sets. */
    public MpcPolicy withMeasurements(List<MeasurementSet> sets) {
        return new MpcPolicy(allowedImageHashes, allowedLauncherComposeHashes, sets, expectedKeys, launcherRenderings);
    }

    /** A copy with other allowed MPC image hashes. */
    public MpcPolicy withImageHashes(Set<String> hashes) {
        return new MpcPolicy(hashes, allowedLauncherComposeHashes, allowedMeasurements, expectedKeys, launcherRenderings);
    }

    /** A copy with other allowed launcher compose hashes (and no template renderings). */
    public MpcPolicy withLauncherComposeHashes(Set<String> hashes) {
        return new MpcPolicy(allowedImageHashes, hashes, allowedMeasurements, expectedKeys, Map.of());
    }

    /**
     * A copy that also allows the compose hashes rendered from the contract's template (see
     * {@link LauncherTemplate#renderAll(Set, Set)}), remembering how each was rendered for the verdict.
     */
    public MpcPolicy withLauncherRenderings(List<LauncherRendering> renderings) {
        Set<String> hashes = new LinkedHashSet<>(allowedLauncherComposeHashes);
        Map<String, LauncherRendering> origins = new LinkedHashMap<>(launcherRenderings);
        for (LauncherRendering r : renderings) {
            hashes.add(r.composeHash());
            origins.putIfAbsent(r.composeHash(), r);
        }
        return new MpcPolicy(allowedImageHashes, hashes, allowedMeasurements, expectedKeys, origins);
    }

    /**
     * Loads allowed MPC image hashes from a file (at most 1 MiB): plain text with one hash per line and
     * {@code #} comments, a JSON array of strings, or the launcher's {@code image-digest.bin}
     * ({@code {"approved_hashes":["sha256:…",…]}}). Entries may carry {@code sha256:}.
     *
     * @return 64-lowercase-hex hashes in file order
     * @throws IOException           if the file cannot be read
     * @throws PolicyFormatException naming the file and line/index of a malformed entry, or if it lists none
     */
    public static Set<String> imageHashesFrom(Path file) throws IOException, PolicyFormatException {
        return HashList.parse(PolicyJson.readFile(file), file.toString());
    }

    /**
     * Loads allowed launcher image digests (what the contract's {@code vote_add_launcher_hash} approves, to render
     * its template with); same file forms and errors as {@link #imageHashesFrom(Path)}.
     */
    public static Set<String> launcherImageHashesFrom(Path file) throws IOException, PolicyFormatException {
        return HashList.parse(PolicyJson.readFile(file), file.toString());
    }

    /** Loads allowed launcher compose hashes; same file forms and errors as {@link #imageHashesFrom(Path)}. */
    public static Set<String> launcherComposeHashesFrom(Path file) throws IOException, PolicyFormatException {
        return HashList.parse(PolicyJson.readFile(file), file.toString());
    }

    /**
     * Normalises {@code [sha256:]<64 hex>} to 64 lowercase hex.
     *
     * @throws IllegalArgumentException if it is not such a hash
     */
    public static String normalizeHash(String hash) {
        return Digests.normalizeHash(hash);
    }

    private static Set<String> normalized(Set<String> hashes) {
        List<String> out = new ArrayList<>(hashes.size());
        for (String h : hashes) out.add(Digests.normalizeHash(h));
        return Collections.unmodifiableSet(new LinkedHashSet<>(out));
    }
}
