package org.dstack4j.measure.tdx;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The RTMR3 {@code key-provider} event dstack's guest extends, whose digest the MPC contract's
 * {@code vote_add_os_measurement} records: payload {@code {"name":"local-sgx","id":"<mr_enclave hex>"}}, digest
 * SHA-384 of {@code u32le(0x08000001) ‖ ":" ‖ "key-provider" ‖ ":" ‖ payload}.
 */
public final class KeyProviderEvent {
    private KeyProviderEvent() {}

    /**
     * The event's digest for {@code local-sgx:<mr_enclave>}.
     *
     * @throws MeasureInputException unless the argument is {@code local-sgx:} and 64 hex digits
     */
    public static byte[] digest(String spec) throws MeasureInputException {
        return RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, "key-provider", payload(spec).getBytes(StandardCharsets.UTF_8));
    }

    /** The event payload for {@code local-sgx:<mr_enclave>}. */
    public static String payload(String spec) throws MeasureInputException {
        int colon = spec == null ? -1 : spec.indexOf(':');
        String id = colon < 0 ? "" : spec.substring(colon + 1).toLowerCase(Locale.ROOT);
        if (colon < 0 || !spec.substring(0, colon).equals("local-sgx") || id.length() != 64 || !id.chars().allMatch(HexFormat::isHexDigit)) {
            throw new MeasureInputException("--key-provider must be local-sgx:<mr_enclave, 64 hex digits>, got \"" + spec + "\"");
        }
        return "{\"name\":\"local-sgx\",\"id\":\"" + id + "\"}";
    }
}
