package org.dstack4j.agent.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class MeasurementProfileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode defaultJson() throws Exception {
        try (InputStream in = MeasurementProfile.class.getResourceAsStream("default-measurements.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    @Test
    void defaultProfileIsTheFixturesAndConsistent() {
        MeasurementProfile p = MeasurementProfile.defaults();
        assertThat(p.source()).contains("2026-08-14");
        assertThat(p.bootEventLog()).hasSize(20);
        assertThat(p.tdAttributes()[0] & 1).isZero();
    }

    @Test
    void rtmrThatIsNotTheReplayOfItsLogIsRefused() throws Exception {
        ObjectNode n = defaultJson();
        n.put("rtmr1", "00".repeat(48));
        assertThatThrownBy(() -> MeasurementProfile.parse(JSON.writeValueAsBytes(n), "p.json"))
                .isInstanceOf(ProfileException.class).hasMessageContaining("p.json").hasMessageContaining("rtmr1");
    }

    @Test
    void debugTdIsRefused() throws Exception {
        ObjectNode n = defaultJson();
        ((ObjectNode) n.get("td_report")).put("td_attributes", "0100001000000000");
        assertThatThrownBy(() -> MeasurementProfile.parse(JSON.writeValueAsBytes(n), "p.json"))
                .isInstanceOf(ProfileException.class).hasMessageContaining("DEBUG");
    }

    @Test
    void wrongSizeOrMissingFieldIsNamed() throws Exception {
        ObjectNode n = defaultJson();
        n.put("mrtd", "abcd");
        assertThatThrownBy(() -> MeasurementProfile.parse(JSON.writeValueAsBytes(n), "p.json"))
                .isInstanceOf(ProfileException.class).hasMessageContaining("mrtd must be 48 bytes");
        ObjectNode m = defaultJson();
        m.remove("qe_report");
        assertThatThrownBy(() -> MeasurementProfile.parse(JSON.writeValueAsBytes(m), "p.json"))
                .isInstanceOf(ProfileException.class).hasMessageContaining("qe_report is missing");
    }
}
