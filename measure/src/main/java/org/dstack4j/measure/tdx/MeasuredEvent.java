package org.dstack4j.measure.tdx;

/**
 * One event extended into an RTMR, as an event log would show it.
 *
 * @param imr       0-2 (RTMR index)
 * @param eventType TCG event type ({@code 0x8000000b} EV_EFI_HANDOFF_TABLES2, …)
 * @param what      what was measured
 * @param digest    SHA-384 extended into the register, 48 bytes
 * @param source    where the digest comes from (computed from which input, or a documented constant)
 */
public record MeasuredEvent(int imr, long eventType, String what, byte[] digest, String source) {
    public MeasuredEvent {
        digest = digest.clone();
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }
}
