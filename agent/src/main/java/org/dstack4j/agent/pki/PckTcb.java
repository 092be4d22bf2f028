package org.dstack4j.agent.pki;

import java.util.List;

/**
 * The platform TCB a PCK certificate states in its SGX extension (OID 1.2.840.113741.1.13.1),
 * copied from a real PCK certificate by the measurement profile.
 *
 * @param fmspc          6-byte family-model-stepping-platform-custom SKU
 * @param pceId          2-byte PCE identifier
 * @param cpuSvn         16-byte CPUSVN
 * @param pceSvn         PCE security version
 * @param sgxCompSvns    the 16 SGX TCB component SVNs (OIDs ...13.1.2.1 to .16)
 * @param sgxType        0 = Standard, 1 = Scalable, 2 = Scalable with integrity
 */
public record PckTcb(byte[] fmspc, byte[] pceId, byte[] cpuSvn, int pceSvn, List<Integer> sgxCompSvns, int sgxType) {
    /** @throws IllegalArgumentException on a field of the wrong size */
    public PckTcb {
        if (fmspc.length != 6 || pceId.length != 2 || cpuSvn.length != 16 || sgxCompSvns.size() != 16) {
            throw new IllegalArgumentException(
                    "PCK TCB needs fmspc 6 bytes, pce_id 2 bytes, cpu_svn 16 bytes and 16 SGX component SVNs");
        }
        fmspc = fmspc.clone();
        pceId = pceId.clone();
        cpuSvn = cpuSvn.clone();
        sgxCompSvns = List.copyOf(sgxCompSvns);
    }

    @Override public byte[] fmspc() { return fmspc.clone(); }
    @Override public byte[] pceId() { return pceId.clone(); }
    @Override public byte[] cpuSvn() { return cpuSvn.clone(); }
}
