package org.dstack4j.attestation.dcap;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** X.509 certificates and CRLs from PEM/DER, with a cap on chain length. */
final class Pem {
    /** Longest chain accepted; Intel's are 2 or 3 certificates. */
    static final int MAX_CHAIN = 8;

    private Pem() {}

    private static CertificateFactory factory() throws CertificateException {
        return CertificateFactory.getInstance("X.509");
    }

    static List<X509Certificate> chain(String field, String pem) throws CollateralFormatException, CertificateException {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) throw new CollateralFormatException(field, "holds no PEM certificate");
        Collection<? extends Certificate> certs = factory().generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (certs.isEmpty()) throw new CollateralFormatException(field, "holds no certificate");
        if (certs.size() > MAX_CHAIN) throw new CollateralFormatException(field, certs.size() + " certificates, at most " + MAX_CHAIN);
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : certs) out.add((X509Certificate) c);
        return List.copyOf(out);
    }

    static X509CRL crl(byte[] der) throws CertificateException, CRLException {
        return (X509CRL) factory().generateCRL(new ByteArrayInputStream(der));
    }

    static X509Certificate certificate(String pem) throws CertificateException {
        return (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The CN of a certificate's subject, for messages. */
    static String cn(X509Certificate c) {
        String dn = c.getSubjectX500Principal().getName();
        for (String part : dn.split(",")) {
            if (part.startsWith("CN=")) return part.substring(3);
        }
        return dn;
    }
}
