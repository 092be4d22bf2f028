package org.dstack4j.launcher.measurement;

/**
 * What measuring the selected image did to RTMR3.
 *
 * @param rtmr3Before 96 hex chars: RTMR3 in the quote taken before the extension (48-byte SHA-384 register)
 * @param rtmr3After  96 hex chars: RTMR3 in the quote taken after it
 * @param eventDigest 96 hex chars: digest of the {@code mpc-image-digest} event that was extended
 * @param quoteBytes  size of the first quote, in bytes
 */
public record Measurement(String rtmr3Before, String rtmr3After, String eventDigest, int quoteBytes) {}
