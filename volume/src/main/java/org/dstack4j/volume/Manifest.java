package org.dstack4j.volume;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The authenticated list of a volume's files: for each path its version and the SHA-256 of its stored bytes, and
 * the volume's generation (one more on every commit). Plaintext form (before encryption): {@code uint64 generation ‖
 * uint32 count ‖ (uint16 len ‖ path UTF-8 ‖ uint64 version ‖ 32-byte hash)*}, paths in ascending order.
 *
 * @param generation the commit counter, 0 for a new volume
 * @param entries    path → entry, sorted
 */
record Manifest(long generation, Map<String, Entry> entries) {
    static final int MAX_ENTRIES = 100_000;

    /** One file: its version (1 on first write) and the SHA-256 of its stored (encrypted) bytes. */
    record Entry(long version, byte[] storedHash) {}

    Manifest {
        entries = Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    static Manifest empty() {
        return new Manifest(0, Map.of());
    }

    Optional<Entry> get(String path) {
        return Optional.ofNullable(entries.get(path));
    }

    Manifest with(String path, Entry e) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        m.put(path, e);
        return new Manifest(generation + 1, m);
    }

    Manifest without(String path) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        m.remove(path);
        return new Manifest(generation + 1, m);
    }

    byte[] encode() {
        int size = 12;
        for (String p : entries.keySet()) size += 2 + p.getBytes(StandardCharsets.UTF_8).length + 8 + 32;
        ByteBuffer b = ByteBuffer.allocate(size).putLong(generation).putInt(entries.size());
        entries.forEach((p, e) -> {
            byte[] pb = p.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) pb.length).put(pb).putLong(e.version()).put(e.storedHash());
        });
        return b.array();
    }

    /** Parses authenticated plaintext; a malformed one is still refused (never trusted blindly). */
    static Manifest decode(byte[] plain) throws VolumeException {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            long gen = b.getLong();
            int n = b.getInt();
            if (n < 0 || n > MAX_ENTRIES) throw new IllegalArgumentException("entry count " + n);
            TreeMap<String, Entry> m = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                byte[] pb = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(pb);
                String p = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(pb)).toString();
                byte[] h = new byte[32];
                long v = b.getLong();
                b.get(h);
                if (m.put(VolumePath.check(p), new Entry(v, h)) != null) throw new IllegalArgumentException("path listed twice");
            }
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new Manifest(gen, m);
        } catch (BufferUnderflowException | IllegalArgumentException | CharacterCodingException e) {
            throw new VolumeException(VolumeException.Problem.MANIFEST, "the manifest is malformed: " + e.getMessage(), e);
        }
    }
}
