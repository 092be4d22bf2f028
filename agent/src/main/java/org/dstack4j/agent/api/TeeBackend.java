package org.dstack4j.agent.api;

import java.util.List;
import org.dstack4j.sdk.EventLogEntry;

/**
 * What the guest API needs from a TEE: quotes, RTMR3 extension with its event log, and static
 * platform facts. Implemented by the simulator now and by a Linux TDX backend later.
 * Implementations are thread-safe.
 */
public interface TeeBackend {

    /**
     * Produces a quote over the current registers.
     *
     * @param reportData exactly 64 bytes
     * @return the quote and the complete event log whose RTMR3 replay equals the quote's RTMR3
     * @throws TeeException.Failed if the quote cannot be produced
     */
    QuoteEvidence quote(byte[] reportData) throws TeeException;

    /**
     * Appends a runtime event (type 0x08000001) to the log and extends RTMR3 with its digest, as
     * one atomic step; returns only after the event is durable (if the backend persists).
     *
     * @param event   validated event name
     * @param payload validated payload bytes
     * @throws TeeException.Rejected if the backend refuses the event (e.g. the log is full)
     * @throws TeeException.Failed   if extension or persistence failed
     */
    void emitEvent(String event, byte[] payload) throws TeeException;

    /** Registers and the complete event log (RTMR0–3), taken together so they are consistent. */
    Measurements measurements();

    /** Static platform facts for {@code Info}. */
    PlatformInfo platform();

    /**
     * @param quote    TDX quote bytes
     * @param eventLog complete event log (RTMR0–3) at the time of the quote
     */
    record QuoteEvidence(byte[] quote, List<EventLogEntry> eventLog) {
        public QuoteEvidence {
            quote = quote.clone();
            eventLog = List.copyOf(eventLog);
        }

        @Override
        public byte[] quote() {
            return quote.clone();
        }
    }

    /**
     * Measurement registers (48 bytes each) and the complete event log.
     *
     * @param mrtd          MRTD
     * @param rtmr0         RTMR0
     * @param rtmr1         RTMR1
     * @param rtmr2         RTMR2
     * @param rtmr3         RTMR3
     * @param mrConfigId    MRCONFIGID
     * @param mrOwner       MROWNER
     * @param mrOwnerConfig MROWNERCONFIG
     * @param eventLog      RTMR0–2 boot events then RTMR3 runtime events, complete digests and payloads
     */
    record Measurements(byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, byte[] rtmr3, byte[] mrConfigId,
            byte[] mrOwner, byte[] mrOwnerConfig, List<EventLogEntry> eventLog) {
        public Measurements {
            mrtd = mrtd.clone();
            rtmr0 = rtmr0.clone();
            rtmr1 = rtmr1.clone();
            rtmr2 = rtmr2.clone();
            rtmr3 = rtmr3.clone();
            mrConfigId = mrConfigId.clone();
            mrOwner = mrOwner.clone();
            mrOwnerConfig = mrOwnerConfig.clone();
            eventLog = List.copyOf(eventLog);
        }

        @Override public byte[] mrtd() { return mrtd.clone(); }
        @Override public byte[] rtmr0() { return rtmr0.clone(); }
        @Override public byte[] rtmr1() { return rtmr1.clone(); }
        @Override public byte[] rtmr2() { return rtmr2.clone(); }
        @Override public byte[] rtmr3() { return rtmr3.clone(); }
        @Override public byte[] mrConfigId() { return mrConfigId.clone(); }
        @Override public byte[] mrOwner() { return mrOwner.clone(); }
        @Override public byte[] mrOwnerConfig() { return mrOwnerConfig.clone(); }
    }

    /**
     * @param appCompose   the raw app-compose.json text
     * @param vmConfig     the VM config JSON text
     * @param osImageHash  32-byte OS image hash
     * @param deviceId     32-byte device id
     * @param cloudVendor  DMI sys_vendor equivalent
     * @param cloudProduct DMI product_name equivalent
     */
    record PlatformInfo(String appCompose, String vmConfig, byte[] osImageHash, byte[] deviceId,
            String cloudVendor, String cloudProduct) {
        public PlatformInfo {
            osImageHash = osImageHash.clone();
            deviceId = deviceId.clone();
        }

        @Override public byte[] osImageHash() { return osImageHash.clone(); }
        @Override public byte[] deviceId() { return deviceId.clone(); }
    }
}
