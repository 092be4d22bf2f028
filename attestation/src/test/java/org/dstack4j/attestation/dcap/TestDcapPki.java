package org.dstack4j.attestation.dcap;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * A test DCAP PKI (root → PCK CA → PCK with the SGX extension of a real PCK certificate; root → TCB
 * signing) that re-signs a real quote's header‖body and real collateral documents, so tests can make
 * evidence the real PKI never would: revoked certificates, other TCB levels, debug TDs.
 */
final class TestDcapPki {
    final Instant at;
    final KeyPair rootKey = p256();
    final KeyPair pckCaKey = p256();
    final KeyPair pckKey = p256();
    final KeyPair tcbKey = p256();
    final X509Certificate root;
    final X509Certificate pckCa;
    final X509Certificate pck;
    final X509Certificate tcbSigning;

    TestDcapPki(X509Certificate realPck, Instant at) throws Exception {
        this(realPck, at, "CN=dstack4j Test SGX Root CA,O=dstack4j tests");
    }

    TestDcapPki(X509Certificate realPck, Instant at, String rootDn) throws Exception {
        this.at = at;
        root = cert(rootDn, rootKey, rootDn, rootKey, 1, true, null);
        pckCa = cert(rootDn, rootKey, "CN=Test SGX PCK Platform CA,O=dstack4j tests", pckCaKey, 2, true, null);
        byte[] sgx = ASN1OctetString.getInstance(realPck.getExtensionValue(PckExtension.OID)).getOctets();
        pck = cert("CN=Test SGX PCK Platform CA,O=dstack4j tests", pckCaKey, "CN=Test SGX PCK Certificate,O=dstack4j tests",
                pckKey, 3, false, sgx);
        tcbSigning = cert(rootDn, rootKey, "CN=Test SGX TCB Signing,O=dstack4j tests", tcbKey, 4, false, null);
    }

    static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate cert(String issuer, KeyPair issuerKey, String subject, KeyPair key, long serial, boolean ca,
            byte[] sgxExtension) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(serial),
                Date.from(at.minus(Duration.ofDays(30))), Date.from(at.plus(Duration.ofDays(365))), new X500Name(subject),
                key.getPublic());
        b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(1) : new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
        if (sgxExtension != null) b.addExtension(new ASN1ObjectIdentifier(PckExtension.OID), false, sgxExtension);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer(issuerKey.getPrivate())));
    }

    private static ContentSigner signer(PrivateKey k) throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(k);
    }

    X509CRL crl(X509Certificate issuer, KeyPair issuerKey, Set<BigInteger> revoked) throws Exception {
        var b = new X509v2CRLBuilder(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), Date.from(at.minus(Duration.ofDays(1))));
        b.setNextUpdate(Date.from(at.plus(Duration.ofDays(30))));
        for (BigInteger s : revoked) b.addCRLEntry(s, Date.from(at.minus(Duration.ofDays(2))), CRLReason.keyCompromise);
        return new JcaX509CRLConverter().getCRL(b.build(signer(issuerKey.getPrivate())));
    }

    static String pem(X509Certificate... certs) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            for (X509Certificate c : certs) p.writeObject(c);
        }
        return w.toString();
    }

    static byte[] signRaw(PrivateKey k, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(k);
        s.update(data);
        return s.sign();
    }

    /** Collateral for this PKI: the given TCB info and QE identity texts signed by the test TCB signing key. */
    Collateral collateral(String tcbInfo, String qeIdentity, Set<BigInteger> revokedByRoot, Set<BigInteger> revokedByPckCa)
            throws Exception {
        String signingChain = pem(tcbSigning, root);
        return new Collateral(pem(pckCa, root), crl(root, rootKey, revokedByRoot).getEncoded(),
                crl(pckCa, pckCaKey, revokedByPckCa).getEncoded(), signingChain, tcbInfo,
                signRaw(tcbKey.getPrivate(), tcbInfo.getBytes(StandardCharsets.UTF_8)), signingChain, qeIdentity,
                signRaw(tcbKey.getPrivate(), qeIdentity.getBytes(StandardCharsets.UTF_8)), Optional.empty());
    }

    /**
     * A quote with {@code signed} (header‖TD report of a real quote, possibly edited) signed by a fresh
     * attestation key, whose QE report (the real one, with new report data) this PKI's PCK key signs.
     */
    byte[] quote(byte[] signed, TdxQuote real) throws Exception {
        KeyPair att = p256();
        byte[] attKey = rawPublicKey((ECPublicKey) att.getPublic());
        var qe = real.signatureData().qeReportCertificationData().orElseThrow();
        byte[] auth = qe.qeAuthData();
        byte[] report = qe.qeReport();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(attKey);
        sha.update(auth);
        System.arraycopy(Arrays.copyOf(sha.digest(), 64), 0, report, 320, 64);
        byte[] pem = pem(pck, pckCa, root).getBytes(StandardCharsets.US_ASCII);

        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        inner.writeBytes(report);
        inner.writeBytes(signRaw(pckKey.getPrivate(), report));
        inner.writeBytes(le(2, auth.length));
        inner.writeBytes(auth);
        inner.writeBytes(le(2, 5));
        inner.writeBytes(le(4, pem.length));
        inner.writeBytes(pem);

        ByteArrayOutputStream sig = new ByteArrayOutputStream();
        sig.writeBytes(signRaw(att.getPrivate(), signed));
        sig.writeBytes(attKey);
        sig.writeBytes(le(2, 6));
        sig.writeBytes(le(4, inner.size()));
        sig.writeBytes(inner.toByteArray());

        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(signed);
        q.writeBytes(le(4, sig.size()));
        q.writeBytes(sig.toByteArray());
        return q.toByteArray();
    }

    private static byte[] le(int size, int v) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
        return Arrays.copyOf(b.array(), size);
    }

    private static byte[] rawPublicKey(ECPublicKey k) {
        byte[] out = new byte[64];
        byte[] x = k.getW().getAffineX().toByteArray();
        byte[] y = k.getW().getAffineY().toByteArray();
        System.arraycopy(x, Math.max(0, x.length - 32), out, 32 - Math.min(32, x.length), Math.min(32, x.length));
        System.arraycopy(y, Math.max(0, y.length - 32), out, 64 - Math.min(32, y.length), Math.min(32, y.length));
        return out;
    }

    static List<BigInteger> serials(X509Certificate... certs) {
        return Arrays.stream(certs).map(X509Certificate::getSerialNumber).toList();
    }
}
