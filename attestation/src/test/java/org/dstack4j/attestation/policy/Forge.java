package org.dstack4j.attestation.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import org.dstack4j.attestation.evidence.MpcFixtures;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * Edits a {@code public_data} tree the way an attacker who controls the host might, optionally
 * "resealing" it: recomputing event digests, {@code tcb_info} and the quote's RTMR3 so that only the rule
 * under test can catch the edit (the patched quote's signature no longer verifies; DCAP is not tested here).
 */
final class Forge {
    static final HexFormat HEX = HexFormat.of();
    /** Offset of RTMR3 in a v4 quote: 48-byte header + 472. */
    static final int QUOTE_RTMR3 = 520;

    private Forge() {}

    static ObjectNode dstack(ObjectNode t) {
        return (ObjectNode) t.at("/tee_participant_info/Dstack");
    }

    static ObjectNode tcb(ObjectNode t) {
        return (ObjectNode) dstack(t).get("tcb_info");
    }

    static ArrayNode log(ObjectNode t) {
        return (ArrayNode) tcb(t).get("event_log");
    }

    static int indexOf(ObjectNode t, String event) {
        ArrayNode log = log(t);
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).get("imr").asInt() == 3 && event.equals(log.get(i).get("event").asText())) return i;
        }
        throw new IllegalArgumentException("no " + event + " event");
    }

    static ObjectNode event(ObjectNode t, String event) {
        return (ObjectNode) log(t).get(indexOf(t, event));
    }

    static String payload(ObjectNode t, String event) {
        return event(t, event).get("event_payload").asText();
    }

    static void swap(ObjectNode t, String a, String b) {
        ArrayNode log = log(t);
        int i = indexOf(t, a), j = indexOf(t, b);
        JsonNode x = log.get(i);
        log.set(i, log.get(j));
        log.set(j, x);
    }

    static void setQuoteRtmr3(ObjectNode t, byte[] rtmr3) {
        ArrayNode q = (ArrayNode) dstack(t).get("quote");
        for (int i = 0; i < 48; i++) q.set(QUOTE_RTMR3 + i, rtmr3[i] & 0xff);
    }

    /** Recomputes every RTMR3 digest, then tcb_info.rtmr3 and the quote's RTMR3, from the (edited) log. */
    static void reseal(ObjectNode t) {
        byte[] rtmr = new byte[48];
        for (JsonNode n : log(t)) {
            if (n.get("imr").asInt() != 3) continue;
            byte[] d = RuntimeEvents.digest(n.get("event_type").asLong(), n.get("event").asText(),
                    HEX.parseHex(n.get("event_payload").asText()));
            ((ObjectNode) n).put("digest", HEX.formatHex(d));
            rtmr = RuntimeEvents.extend(rtmr, d);
        }
        tcb(t).put("rtmr3", HEX.formatHex(rtmr));
        setQuoteRtmr3(t, rtmr);
    }

    /** Replaces app_compose and, consistently, compose-hash, app-id and tcb_info.compose_hash; then reseals. */
    static void setAppCompose(ObjectNode t, String text) {
        String hash = sha256(text);
        tcb(t).put("app_compose", text);
        tcb(t).put("compose_hash", hash);
        event(t, "compose-hash").put("event_payload", hash);
        event(t, "app-id").put("event_payload", hash.substring(0, 40));
        reseal(t);
    }

    static String appCompose(ObjectNode t) {
        return tcb(t).get("app_compose").textValue();
    }

    static String sha256(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static MpcPublicData parse(ObjectNode t) throws Exception {
        return MpcPublicData.parse(MpcFixtures.bytes(t));
    }

    /** The policy a verifier of this capture would hold: its own image digest and launcher compose, default measurements. */
    static MpcPolicy ownPolicy(ObjectNode t) throws Exception {
        String image = payload(t, "mpc-image-digest");
        String launcher = sha256(MpcFixtures.JSON.readTree(appCompose(t)).get("docker_compose_file").textValue());
        return new MpcPolicy(java.util.Set.of("sha256:" + image), java.util.Set.of(launcher), MeasurementSet.defaults(),
                Optional.empty());
    }
}
