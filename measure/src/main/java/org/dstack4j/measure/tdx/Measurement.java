package org.dstack4j.measure.tdx;

import java.util.List;

/**
 * What a TD will measure before its OS runs.
 *
 * @param mrtd   48 bytes
 * @param rtmr0  firmware configuration (TD HOB, CFV, Secure Boot variables, ACPI, boot variables)
 * @param rtmr1  kernel and boot-services events
 * @param rtmr2  kernel command line and initrd
 * @param events every event of RTMR0-2, register by register, in extend order
 */
public record Measurement(byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2, List<MeasuredEvent> events) {
    public Measurement {
        mrtd = mrtd.clone();
        rtmr0 = rtmr0.clone();
        rtmr1 = rtmr1.clone();
        rtmr2 = rtmr2.clone();
        events = List.copyOf(events);
    }

    @Override
    public byte[] mrtd() {
        return mrtd.clone();
    }

    @Override
    public byte[] rtmr0() {
        return rtmr0.clone();
    }

    @Override
    public byte[] rtmr1() {
        return rtmr1.clone();
    }

    @Override
    public byte[] rtmr2() {
        return rtmr2.clone();
    }

    /** Extends a zero register with each digest in turn. */
    public static byte[] replay(List<MeasuredEvent> events) {
        byte[] r = new byte[Sha384.SIZE];
        for (MeasuredEvent e : events) r = Sha384.extend(r, e.digest());
        return r;
    }
}
