package org.dstack4j.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.dstack4j.attestation.policy.KeyProvider;
import org.dstack4j.attestation.policy.MeasurementSet;
import org.dstack4j.near.mpc.ContractPolicy;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;
import org.junit.jupiter.api.Test;

/** The contract's OS measurements become the verifier's sets: the key provider matches exactly when the event digest does. */
class ContractPolicyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String R = "11".repeat(48);

    static String digest(byte[] payload) {
        return HexFormat.of().formatHex(RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, "key-provider", payload));
    }

    static ContractPolicy policy(String... kpDigests) {
        ArrayNode sets = JSON.createArrayNode();
        for (String d : kpDigests) sets.addObject().put("mrtd", R).put("rtmr0", R).put("rtmr1", R).put("rtmr2", R).put("key_provider_event_digest", d);
        return new ContractPolicy("v1.signer", "http://rpc", Set.of(), Set.of(), Set.of(), sets);
    }

    @Test
    void aSetTakesTheNodesProviderOnlyWhenTheDigestsAgree() {
        byte[] payload = "{\"name\":\"local-sgx\",\"id\":\"6b5e\"}".getBytes(StandardCharsets.UTF_8);
        EventLog log = EventLog.of(List.of(EventLogEntry.runtime("key-provider", payload)));
        KeyProvider node = KeyProvider.fromPayload(payload).orElseThrow();
        List<MeasurementSet> sets = policy(digest(payload), digest("{\"name\":\"local-sgx\",\"id\":\"00\"}".getBytes(StandardCharsets.UTF_8)))
                .measurementSets(log);
        assertThat(sets.get(0).keyProvider()).isEqualTo(node);
        assertThat(sets.get(0).name()).isEqualTo("contract v1.signer allowed_os_measurements[0]");
        assertThat(sets.get(1).keyProvider()).isNotEqualTo(node);
        // a node that names its provider like the placeholder still differs from it
        byte[] forged = ("{\"name\":\"" + sets.get(1).keyProvider().name() + "\",\"id\":\"" + sets.get(1).keyProvider().id() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        List<MeasurementSet> again = policy(digest(payload)).measurementSets(EventLog.of(List.of(EventLogEntry.runtime("key-provider", forged))));
        assertThat(again.get(0).keyProvider()).isNotEqualTo(KeyProvider.fromPayload(forged).orElseThrow());
    }

    @Test
    void aMalformedDigestIsNamed() {
        assertThatThrownBy(() -> policy("xyz").measurementSets(EventLog.of(List.of())))
                .hasMessageContaining("allowed_os_measurements[0].key_provider_event_digest is not 96 hex");
    }
}
