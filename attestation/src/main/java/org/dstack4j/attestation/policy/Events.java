package org.dstack4j.attestation.policy;

import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;

/** Names of the dstack RTMR3 events and the "exactly one event named X" lookup the checks share. */
final class Events {
    static final String SYSTEM_PREPARING = "system-preparing";
    static final String APP_ID = "app-id";
    static final String COMPOSE_HASH = "compose-hash";
    static final String INSTANCE_ID = "instance-id";
    static final String BOOT_MR_DONE = "boot-mr-done";
    static final String KEY_PROVIDER = "key-provider";
    static final String STORAGE_FS = "storage-fs";
    static final String SYSTEM_READY = "system-ready";
    static final String MPC_IMAGE_DIGEST = "mpc-image-digest";

    /** Events dstack emits at boot, in this order (storage-fs, newer OS images only, comes after key-provider). */
    static final List<String> BOOT_REQUIRED = List.of(SYSTEM_PREPARING, APP_ID, COMPOSE_HASH, INSTANCE_ID, BOOT_MR_DONE,
            KEY_PROVIDER, SYSTEM_READY);
    /** Names only dstack's boot sequence may use: seen after system-ready they were emitted by the app. */
    static final List<String> BOOT_ONLY = List.of(SYSTEM_PREPARING, APP_ID, COMPOSE_HASH, INSTANCE_ID, BOOT_MR_DONE,
            KEY_PROVIDER, STORAGE_FS, SYSTEM_READY);

    private Events() {}

    /** RTMR3 entries named {@code name}, whatever their event type (a mistyped one still counts as a copy). */
    static List<EventLogEntry> named(EventLog log, String name) {
        return log.rtmr3Events().stream().filter(e -> name.equals(e.event())).toList();
    }

    /** The single RTMR3 event named {@code name}, or the failed check saying how many there were. */
    sealed interface One permits Found, Missing {}

    record Found(EventLogEntry entry, byte[] payload) implements One {}

    record Missing(Check failure) implements One {}

    /**
     * Exactly one RTMR3 event {@code name} with a hex payload of {@code payloadSize} bytes ({@code -1}: any).
     */
    static One exactlyOne(EventLog log, String name, int payloadSize, String check) {
        List<EventLogEntry> found = named(log, name);
        if (found.size() != 1) {
            return new Missing(Check.fail(check, "expected exactly one " + name + " event in RTMR3, found " + found.size()));
        }
        byte[] payload;
        try {
            payload = found.getFirst().payloadBytes();
        } catch (IllegalArgumentException e) {
            return new Missing(Check.fail(check, name + " payload is not hex"));
        }
        if (payloadSize >= 0 && payload.length != payloadSize) {
            return new Missing(Check.fail(check, name + " payload must be " + payloadSize + " bytes, got " + payload.length));
        }
        return new Found(found.getFirst(), payload);
    }

    static Optional<byte[]> payloadOf(EventLog log, String name, int size) {
        return exactlyOne(log, name, size, "-") instanceof Found f ? Optional.of(f.payload()) : Optional.empty();
    }
}
