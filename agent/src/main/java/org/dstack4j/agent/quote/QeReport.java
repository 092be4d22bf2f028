package org.dstack4j.agent.quote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The identity fields of the quoting enclave's SGX report body (384 bytes in the quote's QE
 * report certification data). Layout per Intel SGX: cpu_svn 16 @0, misc_select 4 @16, reserved 28,
 * attributes 16 @48, mr_enclave 32 @64, reserved 32, mr_signer 32 @128, reserved 96,
 * isv_prod_id u16 @256, isv_svn u16 @258, reserved 60, report_data 64 @320.
 *
 * @param cpuSvn     16 bytes
 * @param miscSelect 4 bytes, as stored
 * @param attributes 16 bytes
 * @param mrEnclave  32 bytes
 * @param mrSigner   32 bytes
 * @param isvProdId  QE product id
 * @param isvSvn     QE security version
 */
public record QeReport(byte[] cpuSvn, byte[] miscSelect, byte[] attributes, byte[] mrEnclave, byte[] mrSigner,
        int isvProdId, int isvSvn) {

    /** Size of the SGX report body in bytes. */
    public static final int SIZE = 384;

    /** @throws IllegalArgumentException on a field of the wrong size or an SVN out of u16 range */
    public QeReport {
        if (cpuSvn.length != 16 || miscSelect.length != 4 || attributes.length != 16 || mrEnclave.length != 32
                || mrSigner.length != 32) {
            throw new IllegalArgumentException("QE report needs cpu_svn 16, misc_select 4, attributes 16, "
                    + "mr_enclave 32 and mr_signer 32 bytes");
        }
        if (isvProdId < 0 || isvProdId > 0xffff || isvSvn < 0 || isvSvn > 0xffff) {
            throw new IllegalArgumentException("QE isv_prod_id and isv_svn must fit in 16 bits");
        }
        cpuSvn = cpuSvn.clone();
        miscSelect = miscSelect.clone();
        attributes = attributes.clone();
        mrEnclave = mrEnclave.clone();
        mrSigner = mrSigner.clone();
    }

    @Override public byte[] cpuSvn() { return cpuSvn.clone(); }
    @Override public byte[] miscSelect() { return miscSelect.clone(); }
    @Override public byte[] attributes() { return attributes.clone(); }
    @Override public byte[] mrEnclave() { return mrEnclave.clone(); }
    @Override public byte[] mrSigner() { return mrSigner.clone(); }

    /**
     * @param reportData 64 bytes for the report_data field
     * @return the 384-byte SGX report body
     */
    public byte[] encode(byte[] reportData) {
        if (reportData.length != 64) {
            throw new IllegalArgumentException("QE report_data must be 64 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, cpuSvn).put(16, miscSelect).put(48, attributes).put(64, mrEnclave).put(128, mrSigner);
        b.putShort(256, (short) isvProdId).putShort(258, (short) isvSvn);
        b.put(320, reportData);
        return b.array();
    }
}
