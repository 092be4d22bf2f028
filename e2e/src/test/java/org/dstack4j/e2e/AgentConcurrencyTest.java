package org.dstack4j.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.GetQuoteResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 8 Java SDK clients × 1,000 mixed calls (GetQuote, EmitEvent, GetKey, Info, Sign) in parallel
 * against one agent process. Afterwards: no failures, every quote's own event log replays to its
 * RTMR3 (emit is atomic), the final log replays to the quoted RTMR3, and the log holds exactly the
 * successfully emitted events.
 */
class AgentConcurrencyTest {
    private static final int CLIENTS = 8;
    private static final int CALLS = 1_000;
    private static final HexFormat HEX = HexFormat.of();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void parallelMixedCallsKeepTheLogAndRegisterConsistent() throws Exception {
        try (AgentProcess agent = AgentProcess.start()) {
            AtomicInteger emitted = new AtomicInteger();
            Set<String> emittedNames = ConcurrentHashMap.newKeySet();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<GetQuoteResponse> quotes = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (DstackClient sdk = agent.client()) {
                        for (int i = 0; i < CALLS; i++) {
                            try {
                                switch ((i + client) % 5) {
                                    case 0 -> {
                                        GetQuoteResponse q = sdk.getQuote(new byte[] {(byte) client, (byte) i});
                                        if (i % 10 == 0) quotes.add(q); // keep a sample; replay check below
                                    }
                                    case 1 -> {
                                        String name = "c" + client + "-" + i;
                                        sdk.emitEvent(name, name.getBytes(StandardCharsets.UTF_8));
                                        emitted.incrementAndGet();
                                        emittedNames.add(name);
                                    }
                                    case 2 -> sdk.getKey("k/" + (i % 7), "p", "secp256k1");
                                    case 3 -> sdk.info();
                                    default -> sdk.sign("secp256k1", new byte[] {(byte) i});
                                }
                            } catch (Exception e) {
                                failures.add("client " + client + " call " + i + ": " + e);
                            }
                        }
                    }
                }));
            }
            pool.shutdown();
            for (Future<?> f : done) f.get(110, TimeUnit.SECONDS);

            assertThat(failures).as("failed calls").isEmpty();
            assertThat(emitted.get()).isEqualTo(CLIENTS * CALLS / 5);
            assertThat(quotes).isNotEmpty().allSatisfy(q -> assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(q.eventLog())))
                    .as("a quote's event log replays to its RTMR3").isEqualTo(HEX.formatHex(AgentEvidence.quoteRtmr3(q.quote()))));

            try (DstackClient sdk = agent.client()) {
                byte[] quoted = AgentEvidence.quoteRtmr3(sdk.getQuote(new byte[0]).quote());
                List<EventLogEntry> log = sdk.info().tcbInfo().eventLog();
                assertThat(HEX.formatHex(AgentEvidence.replayRtmr3(log))).isEqualTo(HEX.formatHex(quoted));
                List<String> appEvents = appEvents(log);
                assertThat(appEvents).hasSize(emitted.get()).doesNotHaveDuplicates();
                assertThat(Set.copyOf(appEvents)).isEqualTo(emittedNames);
            }
        }
    }

    /** Names of the RTMR3 events after {@code system-ready}. */
    static List<String> appEvents(List<EventLogEntry> log) {
        List<String> names = new ArrayList<>();
        boolean ready = false;
        for (EventLogEntry e : log) {
            if (e.imr() != 3) continue;
            if (ready) names.add(e.event());
            if (e.event().equals("system-ready")) ready = true;
        }
        return names;
    }
}
