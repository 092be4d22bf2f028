package org.dstack4j.attestation.dcap;

import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The Intel SGX extension of a PCK certificate (OID {@value #OID}, Intel "SGX PCK Certificate and CRL
 * Profile"): a SEQUENCE of (OID, value) pairs, where {@code .2} (TCB) nests the 16 SGX TCB component SVNs
 * ({@code .2.1}–{@code .2.16}), PCESVN ({@code .2.17}) and CPUSVN ({@code .2.18}).
 *
 * @param ppid             16-byte platform provisioning id ({@code .1})
 * @param cpuSvnComponents the 16 SGX TCB component SVNs, 0–255
 * @param pceSvn           PCE SVN
 * @param pceId            2 bytes ({@code .3})
 * @param fmspc            6 bytes, the platform family ({@code .4})
 */
record PckExtension(byte[] ppid, int[] cpuSvnComponents, int pceSvn, byte[] pceId, byte[] fmspc) {
    static final String OID = "1.2.840.113741.1.13.1";

    static PckExtension parse(X509Certificate pck) throws VerifyFailure {
        byte[] ext = pck.getExtensionValue(OID);
        if (ext == null) throw new VerifyFailure("PCK certificate has no SGX extension " + OID);
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            byte[] ppid = null, pceId = null, fmspc = null;
            int[] comps = null;
            Integer pceSvn = null;
            for (ASN1Encodable e : seq) {
                ASN1Sequence pair = ASN1Sequence.getInstance(e);
                if (pair.size() != 2) throw new VerifyFailure("SGX extension entry is not an (OID, value) pair");
                String oid = ASN1ObjectIdentifier.getInstance(pair.getObjectAt(0)).getId();
                ASN1Encodable value = pair.getObjectAt(1);
                switch (oid.substring(OID.length())) {
                    case ".1" -> ppid = octets(value, 16, "PPID");
                    case ".3" -> pceId = octets(value, 2, "PCEID");
                    case ".4" -> fmspc = octets(value, 6, "FMSPC");
                    case ".2" -> {
                        comps = new int[16];
                        boolean[] seen = new boolean[16];
                        for (ASN1Encodable t : ASN1Sequence.getInstance(value)) {
                            ASN1Sequence tp = ASN1Sequence.getInstance(t);
                            String tOid = ASN1ObjectIdentifier.getInstance(tp.getObjectAt(0)).getId();
                            String suffix = tOid.startsWith(OID + ".2.") ? tOid.substring(OID.length() + 3) : "";
                            int idx = componentIndex(suffix);
                            if (idx >= 1 && idx <= 16) {
                                comps[idx - 1] = svn(tp.getObjectAt(1), 0xff, "SGX TCB component " + idx);
                                seen[idx - 1] = true;
                            } else if (idx == 17) {
                                pceSvn = svn(tp.getObjectAt(1), 0xffff, "PCESVN");
                            }
                        }
                        for (int i = 0; i < 16; i++) {
                            if (!seen[i]) throw new VerifyFailure("SGX extension TCB lacks component " + (i + 1));
                        }
                    }
                    default -> { /* SGX type, platform instance id, configuration: not needed */ }
                }
            }
            if (ppid == null || comps == null || pceSvn == null || pceId == null || fmspc == null) {
                throw new VerifyFailure("SGX extension lacks one of PPID, TCB, PCESVN, PCEID, FMSPC");
            }
            return new PckExtension(ppid, comps, pceSvn, pceId, fmspc);
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException | IndexOutOfBoundsException e) {
            throw new VerifyFailure("SGX extension is not valid ASN.1: " + e.getMessage());
        }
    }

    /** "1".."99" as a number, else -1 (a per-component regex cost more than the rest of the parse). */
    private static int componentIndex(String suffix) {
        if (suffix.isEmpty() || suffix.length() > 2) return -1;
        int n = 0;
        for (int i = 0; i < suffix.length(); i++) {
            char c = suffix.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static byte[] octets(ASN1Encodable v, int size, String what) throws VerifyFailure {
        byte[] b = ASN1OctetString.getInstance(v).getOctets();
        if (b.length != size) throw new VerifyFailure(what + " must be " + size + " bytes, got " + b.length);
        return b;
    }

    private static int svn(ASN1Encodable v, int max, String what) throws VerifyFailure {
        ASN1Primitive p = v.toASN1Primitive();
        java.math.BigInteger n = p instanceof ASN1Enumerated en ? en.getValue() : ASN1Integer.getInstance(p).getValue();
        if (n.signum() < 0 || n.bitLength() > 31 || n.intValue() > max) throw new VerifyFailure(what + " out of range: " + n);
        return n.intValue();
    }

    /** "FMSPC …, PCEID …" for messages. */
    String describe() {
        return "FMSPC " + HexFormat.of().formatHex(fmspc) + ", PCEID " + HexFormat.of().formatHex(pceId) + ", PCESVN " + pceSvn;
    }
}
