package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLogEntry;
import org.junit.jupiter.api.Test;

/**
 * Restarting the agent process with the same {@code --state-dir} keeps RTMR3 and the event log
 * (a restart is not a reboot: no boot events are re-emitted), and emitting continues from there.
 */
class AgentRestartTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void restartKeepsRtmr3AndEventLog() throws Exception {
        AgentProcess agent = AgentProcess.start();
        try {
            String beforeRtmr3;
            List<EventLogEntry> beforeLog;
            try (DstackClient c = agent.client()) {
                for (int i = 0; i < 3; i++) {
                    c.emitEvent("before-restart-" + i, ("p" + i).getBytes(StandardCharsets.UTF_8));
                }
                beforeRtmr3 = HEX.formatHex(AgentEvidence.quoteRtmr3(c.getQuote(new byte[] {1}).quote()));
                beforeLog = c.info().tcbInfo().eventLog();
            }
            assertThat(AgentConcurrencyTest.appEvents(beforeLog))
                    .containsExactly("before-restart-0", "before-restart-1", "before-restart-2");

            agent = agent.restart();
            try (DstackClient c = agent.client()) {
                String afterRtmr3 = HEX.formatHex(AgentEvidence.quoteRtmr3(c.getQuote(new byte[] {1}).quote()));
                List<EventLogEntry> afterLog = c.info().tcbInfo().eventLog();
                assertThat(afterRtmr3).isEqualTo(beforeRtmr3);
                assertThat(afterLog).isEqualTo(beforeLog);
                assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(afterLog))).isEqualTo(afterRtmr3);

                c.emitEvent("after-restart", new byte[] {7});
                byte[] extended = AgentEvidence.quoteRtmr3(c.getQuote(new byte[] {1}).quote());
                List<EventLogEntry> log = c.info().tcbInfo().eventLog();
                assertThat(HEX.formatHex(extended)).isNotEqualTo(beforeRtmr3)
                        .isEqualTo(HEX.formatHex(AgentEvidence.replayRtmr3(log)));
                assertThat(AgentConcurrencyTest.appEvents(log)).containsExactly(
                        "before-restart-0", "before-restart-1", "before-restart-2", "after-restart");
            }
        } finally {
            agent.close();
        }
    }
}
