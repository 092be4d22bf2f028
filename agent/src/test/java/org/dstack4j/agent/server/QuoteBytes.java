package org.dstack4j.agent.server;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * The few offsets of a TDX quote v4 these tests need, read independently of the agent's own
 * encoder (layout per docs/attestation.md).
 */
record QuoteBytes(byte[] raw) {
    byte[] header() { return Arrays.copyOfRange(raw, 0, 48); }
    byte[] signedPart() { return Arrays.copyOfRange(raw, 0, 632); }
    byte[] mrConfigId() { return Arrays.copyOfRange(raw, 232, 280); }
    byte[] rtmr3() { return Arrays.copyOfRange(raw, 520, 568); }
    byte[] reportData() { return Arrays.copyOfRange(raw, 568, 632); }
    int u16(int off) { return ByteBuffer.wrap(raw, off, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff; }
    int u32(int off) { return ByteBuffer.wrap(raw, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(); }
    int sigDataLength() { return u32(632); }
    byte[] signature() { return Arrays.copyOfRange(raw, 636, 700); }
    byte[] attestationKey() { return Arrays.copyOfRange(raw, 700, 764); }
    int certDataType() { return u16(764); }
    int certDataSize() { return u32(766); }
    byte[] qeReport() { return Arrays.copyOfRange(raw, 770, 770 + 384); }
    byte[] qeReportSignature() { return Arrays.copyOfRange(raw, 1154, 1218); }
    int authLength() { return u16(1218); }
    byte[] authData() { return Arrays.copyOfRange(raw, 1220, 1220 + authLength()); }
    int innerOffset() { return 1220 + authLength(); }
    int innerType() { return u16(innerOffset()); }
    byte[] pem() {
        int size = u32(innerOffset() + 2);
        return Arrays.copyOfRange(raw, innerOffset() + 6, innerOffset() + 6 + size);
    }

    List<X509Certificate> chain() throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem())).stream()
                .map(c -> (X509Certificate) c).toList();
    }
}
