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
import org.dstack4j.sdk.SignResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 8 Java SDK clients × 1,000 mixed calls (per 10 calls: 2 GetQuote, 1 EmitEvent, 2 GetKey, 2 Sign,
 * 1 Info, 1 Verify, 1 Version) in parallel against one agent process (with a state dir, so every
 * emit is persisted). Afterwards: no failures, every quote's own event log replays to its
 * RTMR3 (emit is atomic), the final log replays to the quoted RTMR3, and the log holds exactly the
 * successfully emitted events.
 */
class AgentConcurrencyTest {
    private static final int CLIENTS = 8;
    private static final int CALLS = 1_000;
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] REF_DATA = "reference".getBytes(StandardCharsets.UTF_8);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void parallelMixedCallsKeepTheLogAndRegisterConsistent() throws Exception {
        try (AgentProcess agent = AgentProcess.start()) {
            AtomicInteger emitted = new AtomicInteger();
            Set<String> emittedNames = ConcurrentHashMap.newKeySet();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<GetQuoteResponse> quotes = new ConcurrentLinkedQueue<>();
            SignResponse ref;
            try (DstackClient sdk = agent.client()) {
                ref = sdk.sign("ed25519", REF_DATA);
            }
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (DstackClient sdk = agent.client()) {
                        for (int i = 0; i < CALLS; i++) {
                            try {
                                switch ((i + client) % 10) {
                                    case 0, 4 -> {
                                        GetQuoteResponse q = sdk.getQuote(new byte[] {(byte) client, (byte) i});
                                        if (i % 10 < 2) quotes.add(q); // a sample; each is replayed below
                                    }
                                    case 1 -> {
                                        String name = "c" + client + "-" + i;
                                        sdk.emitEvent(name, name.getBytes(StandardCharsets.UTF_8));
                                        emitted.incrementAndGet();
                                        emittedNames.add(name);
                                    }
                                    case 2, 6 -> sdk.getKey("k/" + (i % 7), "p", "secp256k1");
                                    case 3, 7 -> sdk.sign("secp256k1", new byte[] {(byte) i});
                                    case 5 -> sdk.info();
                                    case 8 -> {
                                        if (!sdk.verify("ed25519", REF_DATA, ref.signature(), ref.publicKey())) {
                                            failures.add("client " + client + " call " + i + ": valid signature refused");
                                        }
                                    }
                                    default -> sdk.version();
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
            assertThat(emitted.get()).isEqualTo(CLIENTS * CALLS / 10);
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
