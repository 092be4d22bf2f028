package org.dstack4j.agent.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * The simulator's TEST PKI, shaped like Intel's SGX PCK hierarchy but clearly marked and never
 * trusted by a production verifier: a self-signed test root CA, a test PCK platform CA, and a
 * test PCK certificate (with the SGX extension, OID 1.2.840.113741.1.13.1, carrying FMSPC, PCE-ID
 * and TCB like a real PCK certificate), a test TCB signing certificate (signs TCB info and QE
 * identity collateral) and empty CRLs of the root and platform CA. Every subject says "TEST ONLY".
 *
 * <p>All keys come from the seed ({@link SeedKdf}); validity is fixed (2025-01-01 to 2049-12-31 UTC),
 * serials come from the seed and signatures use RFC 6979 nonces, so one seed always gives
 * byte-identical certificates.
 */
public final class TestPki {
    /** Intel's SGX extension OID: 1.2.840.113741.1.13.1. */
    public static final String SGX_EXTENSION_OID = "1.2.840.113741.1.13.1";

    private static final Date NOT_BEFORE = Date.from(Instant.parse("2025-01-01T00:00:00Z"));
    private static final Date NOT_AFTER = Date.from(Instant.parse("2049-12-31T23:59:59Z"));
    private static final String DN_TAIL = ",O=dstack4j simulator (TEST ONLY - not Intel),L=Santa Clara,ST=CA,C=US";

    private final P256Key rootKey;
    private final P256Key platformCaKey;
    private final P256Key pckKey;
    private final X509Certificate root;
    private final X509Certificate platformCa;
    private final X509Certificate pck;
    private final P256Key tcbSigningKey;
    private final X509Certificate tcbSigning;
    private final byte[] rootCaCrl;
    private final byte[] pckCrl;

    private TestPki(SeedKdf kdf, PckTcb tcb) {
        this.rootKey = P256Key.derive(kdf, "test-root-ca");
        this.platformCaKey = P256Key.derive(kdf, "test-pck-platform-ca");
        this.pckKey = P256Key.derive(kdf, "test-pck");
        X500Name rootName = new X500Name("CN=TEST ONLY dstack4j SGX Root CA" + DN_TAIL);
        X500Name caName = new X500Name("CN=TEST ONLY dstack4j SGX PCK Platform CA" + DN_TAIL);
        X500Name pckName = new X500Name("CN=TEST ONLY dstack4j SGX PCK Certificate" + DN_TAIL);
        X500Name tcbName = new X500Name("CN=TEST ONLY dstack4j SGX TCB Signing" + DN_TAIL);
        this.tcbSigningKey = P256Key.derive(kdf, "test-tcb-signing");
        try {
            this.root = issue(kdf, "root", rootName, rootKey, rootName, rootKey, null,
                    new BasicConstraints(1), KeyUsage.keyCertSign | KeyUsage.cRLSign, null);
            this.platformCa = issue(kdf, "platform-ca", caName, platformCaKey, rootName, rootKey, root,
                    new BasicConstraints(0), KeyUsage.keyCertSign | KeyUsage.cRLSign, null);
            this.pck = issue(kdf, "pck", pckName, pckKey, caName, platformCaKey, platformCa,
                    new BasicConstraints(false), KeyUsage.digitalSignature | KeyUsage.nonRepudiation,
                    sgxExtension(kdf, tcb));
            this.tcbSigning = issue(kdf, "tcb-signing", tcbName, tcbSigningKey, rootName, rootKey, root,
                    new BasicConstraints(false), KeyUsage.digitalSignature | KeyUsage.nonRepudiation, null);
            this.rootCaCrl = emptyCrl(kdf, "root-ca-crl", rootName, rootKey, root);
            this.pckCrl = emptyCrl(kdf, "pck-crl", caName, platformCaKey, platformCa);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("building the test PKI failed: " + e.getMessage(), e);
        }
    }

    /**
     * Builds the test PKI for a seed.
     *
     * @param kdf the seed's KDF
     * @param tcb the platform TCB the PCK certificate states
     */
    public static TestPki create(SeedKdf kdf, PckTcb tcb) {
        return new TestPki(kdf, tcb);
    }

    /** The key that signs QE reports (the PCK certificate's key). */
    public P256Key pckKey() {
        return pckKey;
    }

    /** The self-signed test root CA certificate. */
    public X509Certificate rootCertificate() { return root; }

    /** The test PCK platform CA certificate, issued by the root. */
    public X509Certificate platformCaCertificate() { return platformCa; }

    /** The test PCK certificate, issued by the platform CA. */
    public X509Certificate pckCertificate() { return pck; }

    /** The TEST ONLY TCB signing certificate (signs TCB info and QE identity), issued by the root. */
    public X509Certificate tcbSigningCertificate() { return tcbSigning; }

    /** The TCB signing certificate's key. */
    public P256Key tcbSigningKey() { return tcbSigningKey; }

    /** DER of the root CA's CRL (no revoked certificates), signed by the root; valid 2025-01-01 to 2049-12-31. */
    public byte[] rootCaCrl() { return rootCaCrl.clone(); }

    /** DER of the PCK platform CA's CRL (no revoked certificates), signed by the platform CA; same validity. */
    public byte[] pckCrl() { return pckCrl.clone(); }

    /**
     * Certificates as one UTF-8 PEM text, in the given order.
     *
     * @param certs certificates, leaf first
     */
    public static String pem(List<X509Certificate> certs) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                pem.writeObject(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PEM encoding failed", e);
        }
        return out.toString();
    }

    /** The chain as a quote carries it (certification data type 5): PCK, platform CA, root, PEM, UTF-8. */
    public byte[] pemChain() {
        return pem(List.of(pck, platformCa, root)).getBytes(StandardCharsets.UTF_8);
    }

    /** An empty v2 CRL with CRL number and authority key identifier, as Intel's CRLs carry them. */
    private static byte[] emptyCrl(SeedKdf kdf, String label, X500Name issuer, P256Key issuerKey,
            X509Certificate issuerCert) throws GeneralSecurityException, IOException {
        X509v2CRLBuilder b = new X509v2CRLBuilder(issuer, NOT_BEFORE);
        b.setNextUpdate(NOT_AFTER);
        b.addExtension(Extension.cRLNumber, false, new CRLNumber(new BigInteger(1, kdf.derive("crl-number:" + label, 4))));
        b.addExtension(Extension.authorityKeyIdentifier, false,
                new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuerCert));
        X509CRLHolder crl = b.build(new DeterministicContentSigner(issuerKey));
        return crl.getEncoded();
    }

    private static X509Certificate issue(SeedKdf kdf, String label, X500Name subject, P256Key subjectKey,
            X500Name issuer, P256Key issuerKey, X509Certificate issuerCert, BasicConstraints bc, int keyUsage,
            byte[] sgxExtension) throws GeneralSecurityException, CertIOException {
        byte[] serialBytes = kdf.derive("serial:" + label, 20);
        serialBytes[0] &= 0x7f;
        serialBytes[0] |= 0x01; // positive and never zero, 20 bytes as RFC 5280 allows
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(serialBytes),
                NOT_BEFORE, NOT_AFTER, subject, subjectKey.publicKey());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                ? ext.createAuthorityKeyIdentifier(issuerKey.publicKey())
                : ext.createAuthorityKeyIdentifier(issuerCert));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey.publicKey()));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        b.addExtension(Extension.basicConstraints, true, bc);
        if (sgxExtension != null) {
            b.addExtension(new ASN1ObjectIdentifier(SGX_EXTENSION_OID), false, sgxExtension);
        }
        X509CertificateHolder holder = b.build(new DeterministicContentSigner(issuerKey));
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new GeneralSecurityException("certificate conversion failed", e);
        }
    }

    /** DER of the SGX extension value, same structure as Intel's PCK certificates. */
    private static byte[] sgxExtension(SeedKdf kdf, PckTcb tcb) throws CertIOException {
        String base = SGX_EXTENSION_OID;
        ASN1EncodableVector tcbSeq = new ASN1EncodableVector();
        for (int i = 0; i < 16; i++) {
            tcbSeq.add(entry(base + ".2." + (i + 1), new ASN1Integer(tcb.sgxCompSvns().get(i))));
        }
        tcbSeq.add(entry(base + ".2.17", new ASN1Integer(tcb.pceSvn())));
        tcbSeq.add(entry(base + ".2.18", new DEROctetString(tcb.cpuSvn())));
        ASN1EncodableVector config = new ASN1EncodableVector();
        config.add(entry(base + ".7.1", ASN1Boolean.TRUE));
        config.add(entry(base + ".7.2", ASN1Boolean.TRUE));
        config.add(entry(base + ".7.3", ASN1Boolean.TRUE));
        ASN1EncodableVector all = new ASN1EncodableVector();
        all.add(entry(base + ".1", new DEROctetString(kdf.derive("ppid", 16))));
        all.add(entry(base + ".2", new DERSequence(tcbSeq)));
        all.add(entry(base + ".3", new DEROctetString(tcb.pceId())));
        all.add(entry(base + ".4", new DEROctetString(tcb.fmspc())));
        all.add(entry(base + ".5", new ASN1Enumerated(tcb.sgxType())));
        all.add(entry(base + ".6", new DEROctetString(kdf.derive("platform-instance-id", 16))));
        all.add(entry(base + ".7", new DERSequence(config)));
        try {
            return new DERSequence(all).getEncoded();
        } catch (IOException e) {
            throw new CertIOException("encoding the SGX extension failed", e);
        }
    }

    private static DERSequence entry(String oid, org.bouncycastle.asn1.ASN1Encodable value) {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1ObjectIdentifier(oid));
        v.add(value);
        return new DERSequence(v);
    }
}
