package org.dstack4j.sdk;

import java.util.Arrays;
import java.util.List;

/**
 * Answer of Tappd's {@code TdxQuote} / {@code RawQuote}.
 *
 * @param quote         the TDX quote bytes
 * @param eventLog      the event log as GetQuote returns it (RTMR3 digests blanked)
 * @param hashAlgorithm the hash the agent applied ({@code sha512} by default, or {@code raw})
 * @param prefix        {@code app-data}, or empty for {@code raw}
 */
public record TdxQuoteResponse(byte[] quote, List<EventLogEntry> eventLog, String hashAlgorithm, String prefix) {
    public TdxQuoteResponse {
        quote = quote.clone();
        eventLog = List.copyOf(eventLog);
    }

    @Override
    public byte[] quote() {
        return quote.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TdxQuoteResponse r && Arrays.equals(quote, r.quote) && eventLog.equals(r.eventLog)
                && hashAlgorithm.equals(r.hashAlgorithm) && prefix.equals(r.prefix);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(quote);
    }

    @Override
    public String toString() {
        return "TdxQuoteResponse[quote=" + quote.length + " bytes, eventLog=" + eventLog.size() + " entries, hashAlgorithm="
                + hashAlgorithm + "]";
    }
}
