package org.dstack4j.attestation.quote;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.dstack4j.sdk.Hex;

/**
 * Certification data of a quote signature: a type ({@code u16}), a length ({@code u32}) and the bytes.
 * TDX quotes use type 6 ({@link QeReportCertificationData}) wrapping type 5 (PEM PCK certificate chain).
 *
 * @param type certification data type (1–7 per Intel's spec)
 * @param data the certification data bytes
 */
public record CertificationData(int type, byte[] data) {

    /** Type 5: PCK certificate chain, concatenated PEM (leaf, intermediate, root). */
    public static final int PCK_CERT_CHAIN = 5;
    /** Type 6: QE report certification data. */
    public static final int QE_REPORT = 6;

    public CertificationData {
        data = data.clone();
    }

    static CertificationData read(QuoteReader r, String field) throws QuoteFormatException {
        int type = r.u16(field + ".type");
        long size = r.u32(field + ".size");
        QuoteReader body = r.slice(size, field + ".data");
        return new CertificationData(type, body.peekRest());
    }

    /** A copy of the data bytes. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** For type 5, the PEM chain as text, without the trailing NUL bytes quotes carry; otherwise empty. */
    public Optional<String> pemChain() {
        if (type != PCK_CERT_CHAIN) return Optional.empty();
        int end = data.length;
        while (end > 0 && data[end - 1] == 0) end--;
        return Optional.of(new String(data, 0, end, StandardCharsets.US_ASCII));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificationData c && type == c.type && Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "CertificationData[type=" + type + ", data=" + (type == PCK_CERT_CHAIN ? data.length + " bytes of PEM" : Hex.encode(data)) + "]";
    }
}
