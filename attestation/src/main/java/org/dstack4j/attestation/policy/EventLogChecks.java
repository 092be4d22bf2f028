package org.dstack4j.attestation.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.RuntimeEvents;
import org.dstack4j.sdk.TcbInfo;

/** Checks on the RTMR3 event log: replay, boot order, app-id, instance-id and the MPC image digest. */
final class EventLogChecks {
    private EventLogChecks() {}

    /**
     * Every RTMR3 event has dstack's runtime event type {@code 0x08000001}, as the MPC contract requires
     * (dstack measures nothing else into RTMR3; another type would name a digest rule the replay does not know).
     */
    static Check eventTypes(EventLog log) {
        String name = MpcAppVerifier.RTMR3_EVENT_TYPES;
        List<EventLogEntry> rtmr3 = log.rtmr3Events();
        if (rtmr3.isEmpty()) return Check.fail(name, "the event log has no RTMR3 events");
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < rtmr3.size(); i++) {
            long type = rtmr3.get(i).eventType();
            if (type != RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE) {
                problems.add("RTMR3 event " + i + " (" + PolicyJson.quoted(rtmr3.get(i).event()) + ") has event_type " + type
                        + String.format(" (0x%08x)", type));
            }
        }
        String want = String.format("0x%08x", RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE);
        if (problems.isEmpty()) return Check.pass(name, "all " + rtmr3.size() + " RTMR3 events have the dstack runtime event type " + want);
        String shown = String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : "");
        return Check.fail(name, shown + "; every RTMR3 event must have type " + want);
    }

    /**
     * The log's RTMR3 events, digests recomputed from name and payload, replay to the quote's RTMR3; no
     * logged digest disagrees with its recomputation; and {@code tcb_info.rtmr3} (when given) equals the
     * quote's. (Event types: {@link #eventTypes(EventLog)}.)
     */
    static Check replay(TdReport report, MpcPublicData evidence) {
        String name = MpcAppVerifier.RTMR3_REPLAY;
        EventLog log = evidence.eventLog();
        List<EventLogEntry> rtmr3 = log.rtmr3Events();
        List<String> problems = new ArrayList<>();
        byte[] replayed;
        try {
            replayed = log.replay(3);
        } catch (EventLogFormatException | IllegalArgumentException e) {
            return Check.fail(name, "the RTMR3 events cannot be replayed: " + e.getMessage());
        }
        String quoteRtmr3 = Hex.encode(report.rtmr3());
        if (!RuntimeEvents.sameRegister(replayed, report.rtmr3())) {
            problems.add("replaying " + rtmr3.size() + " RTMR3 events gives " + Hex.encode(replayed) + " but the quote's RTMR3 is "
                    + quoteRtmr3 + " (an event was added, removed, reordered, renamed or its payload changed)");
        }
        List<String> badDigests = log.digestMismatches().stream().filter(e -> e.imr() == 3).map(e -> "\"" + e.event() + "\"").toList();
        if (!badDigests.isEmpty()) {
            problems.add("logged digest differs from the one recomputed from name and payload for " + String.join(", ", badDigests));
        }
        evidence.tcbInfo().map(TcbInfo::rtmr3).filter(t -> !t.equals(quoteRtmr3))
                .ifPresent(t -> problems.add("tcb_info.rtmr3 " + t + " differs from the quote's RTMR3"));
        return problems.isEmpty()
                ? Check.pass(name, "replay of " + rtmr3.size() + " RTMR3 events (digests recomputed) equals the quote's RTMR3 " + quoteRtmr3)
                : Check.fail(name, String.join("; ", problems));
    }

    /**
     * dstack's boot events appear once each, in order, before {@code system-ready}; after it only the app
     * emits, so no boot event name may appear there, and {@code mpc-image-digest} may appear only there.
     */
    static Check order(EventLog log) {
        String name = MpcAppVerifier.RTMR3_EVENT_ORDER;
        List<String> names = log.rtmr3Events().stream().map(EventLogEntry::event).toList();
        int ready = names.indexOf(Events.SYSTEM_READY);
        if (ready < 0) {
            return Check.fail(name, "no system-ready event: the boot sequence is incomplete");
        }
        List<String> boot = names.subList(0, ready + 1);
        List<String> app = names.subList(ready + 1, names.size());
        List<String> problems = new ArrayList<>();
        List<String> bootRequired = boot.stream().filter(Events.BOOT_REQUIRED::contains).toList();
        if (!bootRequired.equals(Events.BOOT_REQUIRED)) {
            problems.add("boot events up to system-ready are " + bootRequired + ", expected " + Events.BOOT_REQUIRED);
        }
        if (!boot.getFirst().equals(Events.SYSTEM_PREPARING)) {
            problems.add("the first RTMR3 event is \"" + boot.getFirst() + "\", not system-preparing");
        }
        if (boot.stream().filter(Events.STORAGE_FS::equals).count() > 1) {
            problems.add("storage-fs appears more than once");
        }
        if (boot.contains(Events.MPC_IMAGE_DIGEST)) {
            problems.add("mpc-image-digest appears before system-ready, where only dstack emits");
        }
        List<String> forged = app.stream().filter(Events.BOOT_ONLY::contains).toList();
        if (!forged.isEmpty()) {
            problems.add("dstack boot event(s) " + forged + " after system-ready, where only the app emits");
        }
        return problems.isEmpty()
                ? Check.pass(name, "dstack boot events in order up to system-ready; app events after it: " + app)
                : Check.fail(name, String.join("; ", problems));
    }

    /** Exactly one 20-byte {@code app-id}, equal to the first 20 bytes of the compose hash (no KMS assigns another). */
    static Check appId(EventLog log) {
        String name = MpcAppVerifier.APP_ID;
        Events.One one = Events.exactlyOne(log, Events.APP_ID, 20, name);
        if (one instanceof Events.Missing m) return m.failure();
        Events.Found app = (Events.Found) one;
        Optional<byte[]> compose = Events.payloadOf(log, Events.COMPOSE_HASH, 32);
        if (compose.isEmpty()) {
            return Check.fail(name, "app-id " + Hex.encode(app.payload()) + " cannot be compared: no single 32-byte compose-hash");
        }
        byte[] prefix = Arrays.copyOf(compose.get(), 20);
        return Arrays.equals(prefix, app.payload())
                ? Check.pass(name, "app-id " + Hex.encode(app.payload()) + " = first 20 bytes of compose-hash")
                : Check.fail(name, "app-id " + Hex.encode(app.payload()) + " is not the first 20 bytes of compose-hash ("
                        + Hex.encode(prefix) + ")");
    }

    /** Exactly one {@code instance-id}, empty, as {@code no_instance_id} demands. */
    static Check instanceId(EventLog log) {
        String name = MpcAppVerifier.INSTANCE_ID;
        Events.One one = Events.exactlyOne(log, Events.INSTANCE_ID, -1, name);
        if (one instanceof Events.Missing m) return m.failure();
        byte[] payload = ((Events.Found) one).payload();
        return payload.length == 0
                ? Check.pass(name, "instance-id is empty (no_instance_id)")
                : Check.fail(name, "instance-id has a " + payload.length + "-byte payload; with no_instance_id it must be empty");
    }

    /** Exactly one {@code mpc-image-digest}, 32 bytes, in the allowed image hashes. */
    static Check imageDigest(EventLog log, MpcPolicy policy) {
        String name = MpcAppVerifier.MPC_IMAGE_DIGEST;
        Events.One one = Events.exactlyOne(log, Events.MPC_IMAGE_DIGEST, 32, name);
        if (one instanceof Events.Missing m) return m.failure();
        String digest = Hex.encode(((Events.Found) one).payload());
        return policy.allowedImageHashes().contains(digest)
                ? Check.pass(name, "MPC image sha256:" + digest + " is allowed")
                : Check.fail(name, "MPC image sha256:" + digest + " is not among the " + policy.allowedImageHashes().size()
                        + " allowed image hashes");
    }
}
