package org.dstack4j.attestation.quote;

import java.util.Arrays;
import java.util.Optional;
import org.dstack4j.sdk.Hex;

/**
 * The quote's signature data (ECDSA P-256 attestation key type): signature, attestation key and
 * certification data.
 *
 * @param raw                       the whole signature data as in the quote (after its u32 length)
 * @param ecdsaSignature            r‖s (64) over the signed part of the quote, by {@code attestationKey}
 * @param attestationKey            the P-256 public key x‖y (64)
 * @param certificationData         the certification data as read (normally type 6)
 * @param qeReportCertificationData the parsed type-6 data, when the type is 6
 */
public record SignatureData(byte[] raw, byte[] ecdsaSignature, byte[] attestationKey,
        CertificationData certificationData, Optional<QeReportCertificationData> qeReportCertificationData) {

    public SignatureData {
        raw = raw.clone();
        ecdsaSignature = ecdsaSignature.clone();
        attestationKey = attestationKey.clone();
        Sizes.check("ecdsa_signature", ecdsaSignature, 64);
        Sizes.check("attestation_key", attestationKey, 64);
    }

    /** Parses signature data that must fill {@code r} exactly. */
    static SignatureData read(QuoteReader r) throws QuoteFormatException {
        byte[] raw = r.peekRest();
        byte[] sig = r.bytes(64, "ecdsa_signature");
        byte[] key = r.bytes(64, "attestation_key");
        int type = r.u16("certification_data.type");
        long size = r.u32("certification_data.size");
        QuoteReader body = r.slice(size, "certification_data");
        CertificationData cert = new CertificationData(type, body.peekRest());
        if (r.remaining() != 0) {
            throw new QuoteFormatException("signature data length exceeds its contents by " + r.remaining() + " bytes",
                    r.position());
        }
        Optional<QeReportCertificationData> qe = type == CertificationData.QE_REPORT
                ? Optional.of(QeReportCertificationData.read(body))
                : Optional.empty();
        return new SignatureData(raw, sig, key, cert, qe);
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public byte[] ecdsaSignature() {
        return ecdsaSignature.clone();
    }

    @Override
    public byte[] attestationKey() {
        return attestationKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignatureData s && Arrays.equals(raw, s.raw) && Arrays.equals(ecdsaSignature, s.ecdsaSignature)
                && Arrays.equals(attestationKey, s.attestationKey) && certificationData.equals(s.certificationData)
                && qeReportCertificationData.equals(s.qeReportCertificationData);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "SignatureData[ecdsaSignature=" + Hex.encode(ecdsaSignature) + ", attestationKey="
                + Hex.encode(attestationKey) + ", certificationData=" + certificationData + ", qeReportCertificationData="
                + qeReportCertificationData + "]";
    }
}
