package org.dstack4j.sdk;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Answer of {@code GetQuote}.
 *
 * @param quote      the TDX quote (v4 or v5, Intel DCAP layout); parse it with the attestation module
 * @param eventLog   the event log as served: RTMR3 digests blank, RTMR0–2 payloads blank (spec)
 * @param reportData the 64-byte report data the quote binds (the request, zero-padded)
 * @param vmConfig   the VM configuration JSON text, {@code ""} if absent
 */
public record GetQuoteResponse(byte[] quote, List<EventLogEntry> eventLog, byte[] reportData, String vmConfig) {

    public GetQuoteResponse {
        quote = quote.clone();
        eventLog = List.copyOf(eventLog);
        reportData = reportData.clone();
        Objects.requireNonNull(vmConfig, "vmConfig");
    }

    /** A copy of the quote bytes. */
    @Override
    public byte[] quote() {
        return quote.clone();
    }

    /** A copy of the 64 report-data bytes. */
    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    /** The event log with replay and lookup helpers. */
    public EventLog log() {
        return EventLog.of(eventLog);
    }

    /**
     * RTMR0–3 replayed from the event log (4 × 48 bytes); compare with the quote's registers.
     *
     * @throws EventLogFormatException if an entry cannot be replayed
     */
    public List<byte[]> replayRtmrs() throws EventLogFormatException {
        return log().replayAll();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetQuoteResponse r && Arrays.equals(quote, r.quote) && eventLog.equals(r.eventLog)
                && Arrays.equals(reportData, r.reportData) && vmConfig.equals(r.vmConfig);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(quote), eventLog, Arrays.hashCode(reportData), vmConfig);
    }

    @Override
    public String toString() {
        return "GetQuoteResponse[quote=" + quote.length + " bytes, eventLog=" + eventLog.size() + " entries, reportData="
                + Hex.encode(reportData) + ", vmConfig=" + vmConfig.length() + " chars]";
    }
}
