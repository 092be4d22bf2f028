package org.dstack4j.launcher.container;

/**
 * A mount into the node container: a host path (bind) or a named volume.
 *
 * @param kind     bind or named volume
 * @param source   absolute host path for a bind, volume name for a volume
 * @param target   absolute path inside the container
 * @param readOnly mounted read-only
 */
public record Mount(Kind kind, String source, String target, boolean readOnly) {
    public enum Kind { BIND, VOLUME }

    public static Mount bind(String source, String target, boolean readOnly) {
        return new Mount(Kind.BIND, source, target, readOnly);
    }

    public static Mount volume(String name, String target) {
        return new Mount(Kind.VOLUME, name, target, false);
    }

    /** Docker's short form, {@code source:target[:ro]}. */
    @Override
    public String toString() {
        return source + ":" + target + (readOnly ? ":ro" : "");
    }
}
