package org.dstack4j.near.mpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dstack4j.attestation.policy.KeyProvider;
import org.dstack4j.attestation.policy.MeasurementSet;
import org.dstack4j.near.rpc.NearRpcException;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The verifier's allow-lists as the MPC contract holds them: {@code allowed_docker_image_hashes},
 * {@code allowed_launcher_compose_hashes} (and {@code allowed_launcher_image_hashes}, to render a template with) and
 * {@code allowed_os_measurements}, read in one go at final finality.
 *
 * @param contract          the contract account
 * @param endpoint          the RPC's scheme, host and port
 * @param images            approved MPC image digests, 64 hex, the contract's order
 * @param launcherCompose   allowed launcher compose hashes, 64 hex
 * @param launcherImages    approved launcher image digests, 64 hex
 * @param osMeasurements    the contract's {@code [{mrtd, rtmr0, rtmr1, rtmr2, key_provider_event_digest}]}
 */
public record ContractPolicy(String contract, String endpoint, Set<String> images, Set<String> launcherCompose,
                             Set<String> launcherImages, JsonNode osMeasurements) {

    /** Reads the four views. */
    public static ContractPolicy read(MpcContract c) throws NearRpcException {
        LinkedHashSet<String> images = new LinkedHashSet<>();
        for (AllowedImage i : c.allowedImages()) images.add(i.hex());
        // insertion-ordered and read-only: the report lists the digests in the contract's order
        return new ContractPolicy(c.account(), c.rpc().endpoint(), Collections.unmodifiableSequencedSet(images),
                Collections.unmodifiableSequencedSet(new LinkedHashSet<>(c.allowedLauncherComposeHashes())),
                Collections.unmodifiableSequencedSet(new LinkedHashSet<>(c.allowedLauncherImages())), c.allowedOsMeasurements());
    }

    /** One line for the report: where the lists came from and their sizes. */
    public String describe() {
        return "allow-lists read from contract " + contract + " at " + endpoint + " (final): " + images.size() + " image digest(s), "
                + launcherCompose.size() + " launcher compose hash(es), " + launcherImages.size() + " launcher image(s), "
                + osMeasurements.size() + " OS measurement set(s)";
    }

    /**
     * The contract's OS measurements as the verifier's sets. The contract stores the key-provider event's digest, the
     * verifier compares the event's payload: a set takes the payload of the node's one {@code key-provider} event when
     * that event's digest (SHA-384 of type, name and payload) equals the set's, and otherwise a key provider that differs
     * from the node's (its id with a note appended), so the set's key-provider check fails exactly when the contract's
     * would.
     *
     * @throws IllegalArgumentException naming the entry whose field is not 96 hex
     */
    public List<MeasurementSet> measurementSets(EventLog log) {
        List<EventLogEntry> kp = log.rtmr3Events().stream().filter(e -> "key-provider".equals(e.event())).toList();
        Optional<byte[]> payload = kp.size() == 1 ? Optional.of(kp.getFirst().payloadBytes()) : Optional.empty();
        Optional<KeyProvider> nodeProvider = payload.flatMap(KeyProvider::fromPayload);
        String nodeDigest = payload.map(p -> HexFormat.of().formatHex(RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, "key-provider", p))).orElse("");
        List<MeasurementSet> sets = new ArrayList<>();
        for (int i = 0; i < osMeasurements.size(); i++) {
            JsonNode m = osMeasurements.get(i);
            String name = "contract " + contract + " allowed_os_measurements[" + i + "]";
            String digest = m.path("key_provider_event_digest").asText().toLowerCase();
            if (!digest.matches("[0-9a-f]{96}")) throw new IllegalArgumentException(name + ".key_provider_event_digest is not 96 hex");
            KeyProvider provider = digest.equals(nodeDigest) && nodeProvider.isPresent() ? nodeProvider.get() : differing(nodeProvider, digest);
            sets.add(new MeasurementSet(name, m.path("mrtd").asText(), m.path("rtmr0").asText(), m.path("rtmr1").asText(),
                    m.path("rtmr2").asText(), provider));
        }
        return sets;
    }

    /** A key provider unequal to the node's: the node's own (if any) with the contract's digest noted in its id. */
    private static KeyProvider differing(Optional<KeyProvider> node, String digest) {
        String note = " [contract's key-provider event digest " + digest.substring(0, 16) + "... differs]";
        return node.map(k -> new KeyProvider(k.name(), k.id() + note)).orElse(new KeyProvider("unknown", note.strip()));
    }

}
