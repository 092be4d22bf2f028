package org.dstack4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.EventLogFormatException;
import org.dstack4j.sdk.GetQuoteResponse;
import org.dstack4j.sdk.Hex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dstack4j quote}: fetches a quote and its event log from the guest agent and checks that the
 * quote's RTMR3 equals the replay of the log's RTMR3 events (digests recomputed from name and payload).
 * This checks consistency only; signature and collateral verification is {@code dstack4j verify}'s job.
 */
@Command(
        name = "quote",
        header = "Get a TDX quote and event log from the guest agent and check RTMR3 replays.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Get a TDX quote and event log from the dstack guest agent, print MRTD and RTMR0-3, the",
            "RTMR3 events, and check that the quote's RTMR3 equals the replay of the event log.",
            ""
        },
        footer = {
            "",
            "Exit status: 0 RTMR3 replays (and expectations hold), 1 it does not, 2 bad command line",
            "or agent unreachable.",
            "",
            "Example:",
            "  dstack4j quote --dstack-socket /tmp/dstack.sock --expect-last-event mpc-image-digest"
        })
public final class QuoteCommand implements Callable<Integer> {
    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--dstack-socket", paramLabel = "PATH|URL",
            description = "agent socket or http(s) URL. Default: $DSTACK_SIMULATOR_ENDPOINT, else the standard sockets")
    String endpoint;

    @Option(names = "--report-data", paramLabel = "HEX", defaultValue = "",
            description = "up to 64 bytes of report data, hex (zero-padded by the agent)")
    String reportData;

    @Option(names = "--expect-last-event", paramLabel = "NAME", description = "fail unless the last RTMR3 event has this name")
    String expectLastEvent;

    @Option(names = "--expect-last-payload", paramLabel = "HEX", description = "fail unless the last RTMR3 event's payload is this")
    String expectLastPayload;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", description = "per call. Default: ${DEFAULT-VALUE}")
    long timeoutSeconds;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "Default: ${DEFAULT-VALUE}")
    Output output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        byte[] rd;
        try {
            rd = Hex.decode(reportData);
            if (rd.length > 64) throw new IllegalArgumentException("more than 64 bytes");
        } catch (IllegalArgumentException e) {
            err.println("dstack4j quote: --report-data is not up to 64 bytes of hex (" + e.getMessage() + ")");
            return 2;
        }
        GetQuoteResponse response;
        DstackEndpoint target;
        try {
            target = endpoint == null ? DstackEndpoint.discover() : DstackEndpoint.parse(endpoint);
            try (DstackClient client = DstackClient.builder().endpoint(target).timeout(Duration.ofSeconds(timeoutSeconds)).build()) {
                response = client.getQuote(rd);
            }
        } catch (DstackException | IllegalArgumentException e) {
            err.println("dstack4j quote: " + e.getMessage());
            return 2;
        }
        try {
            TdxQuote quote = TdxQuote.parse(response.quote());
            TdReport td = quote.tdReport();
            byte[] replayed = response.log().replay(3);
            List<EventLogEntry> events = response.log().rtmr3Events();
            boolean replays = Arrays.equals(replayed, td.rtmr3());
            EventLogEntry last = events.isEmpty() ? null : events.get(events.size() - 1);
            String problem = null;
            if (!replays) {
                problem = "the quote's RTMR3 does not equal the replay of the event log";
            } else if (expectLastEvent != null && (last == null || !expectLastEvent.equals(last.event()))) {
                problem = "the last RTMR3 event is " + (last == null ? "absent" : "'" + last.event() + "'") + ", expected '" + expectLastEvent + "'";
            } else if (expectLastPayload != null && (last == null || !expectLastPayload.equalsIgnoreCase(last.eventPayload()))) {
                problem = "the last RTMR3 event's payload is " + (last == null ? "absent" : last.eventPayload()) + ", expected " + expectLastPayload;
            }
            if (output == Output.json) {
                ObjectNode o = ReportJson.MAPPER.createObjectNode();
                o.put("endpoint", target.describe());
                o.put("quote_version", quote.header().version());
                o.put("quote_bytes", response.quote().length);
                o.put("mrtd", Hex.encode(td.mrTd()));
                for (int i = 0; i < 4; i++) o.put("rtmr" + i, Hex.encode(td.rtmr(i)));
                o.put("report_data", Hex.encode(td.reportData()));
                o.put("rtmr3_replayed", Hex.encode(replayed));
                o.put("rtmr3_replays", replays);
                ArrayNode ev = o.putArray("rtmr3_events");
                events.forEach(e -> ev.addObject().put("event", e.event()).put("payload", e.eventPayload()));
                o.put("ok", problem == null);
                if (problem != null) o.put("problem", problem);
                out.println(ReportJson.MAPPER.writeValueAsString(o));
            } else {
                out.println("quote          TDX v" + quote.header().version() + ", " + response.quote().length + " bytes, from " + target.describe());
                out.println("MRTD           " + Hex.encode(td.mrTd()));
                for (int i = 0; i < 4; i++) out.println("RTMR" + i + "          " + Hex.encode(td.rtmr(i)));
                out.println("report data    " + Hex.encode(td.reportData()));
                out.println("RTMR3 events   " + events.size());
                int n = 0;
                for (EventLogEntry e : events) {
                    String p = e.eventPayload();
                    out.printf("  %2d %-18s %s%n", ++n, e.event(), p.length() > 80 ? p.substring(0, 80) + "…" : p);
                }
                out.println("replayed RTMR3 " + Hex.encode(replayed));
                out.println(replays ? "RTMR3 replays: the quote's RTMR3 equals the replay of the event log"
                        : "RTMR3 MISMATCH: the quote's RTMR3 differs from the replay of the event log");
            }
            out.flush();
            if (problem != null) {
                err.println("dstack4j quote: " + problem);
                return 1;
            }
            return 0;
        } catch (QuoteFormatException | EventLogFormatException e) {
            err.println("dstack4j quote: the agent's answer is malformed: " + e.getMessage());
            return 1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
