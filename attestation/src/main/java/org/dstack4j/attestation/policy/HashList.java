package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads a list of 32-byte hashes in any of the forms operators keep them: plain text (one per line,
 * {@code #} starts a comment), a JSON array of strings, or the launcher's {@code image-digest.bin}
 * ({@code {"approved_hashes":[…]}}). Entries may carry {@code sha256:}.
 */
final class HashList {
    private HashList() {}

    /** The hashes, 64 lowercase hex, in file order without duplicates; an empty list is an error. */
    static Set<String> parse(String text, String source) throws PolicyFormatException {
        String t = text.strip();
        if (t.startsWith("\uFEFF")) t = t.substring(1).strip();
        Set<String> out = t.startsWith("[") || t.startsWith("{") ? json(t, source) : plain(text, source);
        if (out.isEmpty()) {
            throw new PolicyFormatException(source, "lists no hashes; an empty allow-list would reject every node");
        }
        return Collections.unmodifiableSet(out);
    }

    private static Set<String> plain(String text, String source) throws PolicyFormatException {
        Set<String> out = new LinkedHashSet<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            if (line.isBlank()) continue;
            try {
                out.add(Digests.normalizeHash(line));
            } catch (IllegalArgumentException e) {
                throw new PolicyFormatException(source, "line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static Set<String> json(String text, String source) throws PolicyFormatException {
        JsonNode root = PolicyJson.read(text, source);
        String path = "$";
        if (root.isObject()) {
            if (!root.has("approved_hashes")) {
                throw new PolicyFormatException(source, "JSON object has no \"approved_hashes\" array");
            }
            root = root.get("approved_hashes");
            path = "approved_hashes";
        }
        if (!root.isArray()) {
            throw new PolicyFormatException(source, path + " must be an array of hash strings, got " + PolicyJson.kind(root));
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            if (!n.isTextual()) {
                throw new PolicyFormatException(source, path + "[" + i + "] must be a string, got " + PolicyJson.kind(n));
            }
            try {
                out.add(Digests.normalizeHash(n.textValue()));
            } catch (IllegalArgumentException e) {
                throw new PolicyFormatException(source, path + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }
}
