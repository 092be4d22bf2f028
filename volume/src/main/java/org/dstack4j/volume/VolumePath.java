package org.dstack4j.volume;

import java.nio.charset.StandardCharsets;

/** Rules for names: a volume name and the paths inside a volume (relative, '/'-separated, no '.', '..' or empty segments). */
final class VolumePath {
    static final int MAX_PATH_BYTES = 1024;

    private VolumePath() {}

    static String checkVolumeName(String v) {
        if (v == null || !v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("a volume name is 1..64 letters, digits, '.', '_' or '-', got '" + printable(v) + "'");
        }
        return v;
    }

    static String check(String path) {
        if (path == null || path.isEmpty() || path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("a volume path is 1.." + MAX_PATH_BYTES + " bytes of UTF-8, got '" + printable(path) + "'");
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("volume path '" + printable(path)
                        + "' must be relative with '/'-separated names (no empty, '.', '..' or control characters)");
            }
        }
        return path;
    }

    static String printable(String s) {
        return s == null ? "null" : s.replaceAll("\\p{Cntrl}", "?");
    }
}
