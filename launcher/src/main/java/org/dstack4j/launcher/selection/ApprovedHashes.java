package org.dstack4j.launcher.selection;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.dstack4j.launcher.InputException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.config.InputFile;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.sdk.Utf8;

/**
 * The approved MPC node image IDs, newest first (docs/launcher.md "Digests"), and where they came
 * from.
 *
 * <p>File format: {@code {"approved_hashes": ["sha256:<64 lowercase hex>", …]}}, UTF-8 JSON, at most
 * {@value #MAX_BYTES} bytes, written by the node on the shared volume. Other top-level keys are
 * ignored. The list must be non-empty, every entry a string holding a well-formed digest, with no
 * duplicates; a duplicate top-level key or trailing content is rejected as ambiguous. A symbolic link
 * is followed; the regular-file and size checks apply to its target.
 *
 * <p>Only a missing file falls back to {@code [DEFAULT_IMAGE_DIGEST]}; a file that is present but
 * bad in any way is an error, never a fallback.
 *
 * @param digests newest first; non-empty, no duplicates
 * @param source  the file, or the default digest because the file was absent
 */
public record ApprovedHashes(List<ImageDigest> digests, Source source) {
    /** Largest accepted approved hashes file: 1 MiB (1048576 bytes). */
    public static final int MAX_BYTES = 1024 * 1024;

    /** The JSON key holding the list. */
    public static final String FIELD = "approved_hashes";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Where the approved list came from, for the selection reason and the launch report. */
    public sealed interface Source {
        /** One line for humans, e.g. {@code "from /mnt/shared/image-digest.bin"}. */
        String describe();
    }

    /** Read from the approved hashes file. */
    public record FromFile(Path path) implements Source {
        @Override
        public String describe() {
            return "from " + path;
        }
    }

    /** The file was absent; the list is {@code [DEFAULT_IMAGE_DIGEST]}. */
    public record FromDefault(Path absentFile) implements Source {
        @Override
        public String describe() {
            return "DEFAULT_IMAGE_DIGEST, approved hashes file " + absentFile + " absent";
        }
    }

    public ApprovedHashes {
        digests = List.copyOf(digests);
        if (digests.isEmpty()) throw new IllegalArgumentException("approved hashes must not be empty");
        if (digests.stream().distinct().count() != digests.size()) {
            throw new IllegalArgumentException("approved hashes must not repeat");
        }
        Objects.requireNonNull(source, "source");
    }

    /**
     * Loads the approved list.
     *
     * @param file          usually {@code /mnt/shared/image-digest.bin}
     * @param defaultDigest {@code DEFAULT_IMAGE_DIGEST}, used only when {@code file} does not exist
     * @throws InputException at {@link LaunchStep#SELECTION}, input = the file, when it is absent and
     *                        there is no default, or present but not a regular file, over the size
     *                        cap, unreadable, not JSON, or not a valid list
     */
    public static ApprovedHashes load(Path file, Optional<ImageDigest> defaultDigest) throws InputException {
        Optional<byte[]> bytes = InputFile.readIfPresent(file, MAX_BYTES, LaunchStep.SELECTION, "approved hashes file");
        if (bytes.isPresent()) return parse(bytes.get(), file);
        if (defaultDigest.isPresent()) return new ApprovedHashes(List.of(defaultDigest.get()), new FromDefault(file));
        throw new InputException(LaunchStep.SELECTION, file.toString(),
                "approved hashes file " + file + " is absent and DEFAULT_IMAGE_DIGEST is not set",
                "set DEFAULT_IMAGE_DIGEST in the launcher's compose file, or provide " + file);
    }

    /**
     * Parses the file content.
     *
     * @param json the file's bytes (UTF-8 JSON)
     * @param file the file's path, for the source and errors
     * @throws InputException at {@link LaunchStep#SELECTION}, input = the file, when the content is
     *                        not valid UTF-8 or not a valid approved list
     */
    public static ApprovedHashes parse(byte[] json, Path file) throws InputException {
        // Decoded strictly first: Jackson's byte parser may read an invalid UTF-8 field name as a
        // valid one (its name table pads with 0xFF), e.g. "approved_has\xFFhes" as approved_hashes.
        String text;
        try {
            text = Utf8.decodeStrict(json);
        } catch (CharacterCodingException e) {
            throw bad(file, "is not valid UTF-8", e);
        }
        // RFC 8259 lets parsers ignore a leading byte order mark; user_config is read the same way.
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            // Line and column only: the parser's message quotes the bad token, and this file may be a
            // link (planted by the node on the shared volume) to a secret or to /proc/self/environ.
            throw bad(file, "is not valid JSON" + at, null);
        } catch (IOException e) {
            throw bad(file, "is not valid JSON (" + e.getClass().getSimpleName() + ")", e);
        }
        if (root == null || root.isMissingNode()) throw bad(file, "is empty", null);
        if (!root.isObject()) throw bad(file, "is not a JSON object", null);
        JsonNode list = root.get(FIELD);
        if (list == null) throw bad(file, "has no \"" + FIELD + "\" key", null);
        if (!list.isArray()) throw bad(file, "\"" + FIELD + "\" is not an array", null);
        if (list.isEmpty()) throw bad(file, "\"" + FIELD + "\" is empty", null);
        Map<ImageDigest, Integer> seen = new HashMap<>();
        List<ImageDigest> digests = new java.util.ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String at = FIELD + "[" + i + "]";
            if (!entry.isTextual()) throw bad(file, at + " is not a string (" + entry.getNodeType().name().toLowerCase() + ")", null);
            ImageDigest digest = ImageDigest.parse(entry.textValue()).orElseThrow(() -> bad(file,
                    at + " is not sha256:<64 lowercase hex> (" + entry.textValue().length() + " characters; not quoted)", null));
            Integer first = seen.putIfAbsent(digest, i);
            if (first != null) throw bad(file, at + " repeats " + FIELD + "[" + first + "]", null);
            digests.add(digest);
        }
        return new ApprovedHashes(digests, new FromFile(file));
    }

    /**
     * The file content for this list, {@code {"approved_hashes": ["sha256:…", …]}} and a newline, in this order: what
     * {@link #parse} reads back to an equal list (used by {@code dstack4j watch-approved}, which writes the file the
     * node would).
     */
    public byte[] toFileBytes() {
        var root = JSON.createObjectNode();
        var list = root.putArray(FIELD);
        digests.forEach(d -> list.add(d.toString()));
        return (root + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static InputException bad(Path file, String problem, Throwable cause) {
        return new InputException(LaunchStep.SELECTION, file.toString(),
                "approved hashes file " + file + " " + problem,
                "fix or remove the file; it must be {\"" + FIELD + "\": [\"sha256:<64 lowercase hex>\", ...]}, newest first, non-empty",
                cause);
    }
}
