package org.dstack4j.measure.tdx;

import java.util.List;

/**
 * What a TD will measure before its OS runs; registers as 96 lowercase hex digits (48 bytes).
 *
 * @param mrtd   the TD's initial contents
 * @param rtmr0  firmware configuration (TD HOB, CFV, Secure Boot variables, ACPI, boot variables)
 * @param rtmr1  kernel and boot-services events
 * @param rtmr2  kernel command line and initrd
 * @param events every event of RTMR0-2, register by register, in extend order
 */
public record Measurement(String mrtd, String rtmr0, String rtmr1, String rtmr2, List<MeasuredEvent> events) {
    public Measurement {
        events = List.copyOf(events);
    }

    /** Extends a zero register with each digest in turn. */
    public static byte[] replay(List<MeasuredEvent> events) {
        byte[] r = new byte[Sha384.SIZE];
        for (MeasuredEvent e : events) r = Sha384.extend(r, e.digest());
        return r;
    }
}
