package org.dstack4j.agent.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * The simulated key provider's app CA ("TEST ONLY dstack4j App CA", P-256, from the seed) that
 * issues {@code GetTlsKey} certificates, as dstack's KMS or local key provider issues them.
 */
public final class AppCa {
    private static final Date CA_NOT_BEFORE = Date.from(Instant.parse("2025-01-01T00:00:00Z"));
    private static final Date CA_NOT_AFTER = Date.from(Instant.parse("2049-12-31T23:59:59Z"));

    /** CN used when a request names neither a subject nor alt names. */
    public static final String DEFAULT_SUBJECT = "dstack-app";

    private final P256Key key;
    private final X509Certificate cert;
    private final SecureRandom random = new SecureRandom();

    private AppCa(P256Key key, X509Certificate cert) {
        this.key = key;
        this.cert = cert;
    }

    /** The app CA for a seed: same seed, byte-identical CA certificate. */
    public static AppCa create(SeedKdf kdf) {
        return create(kdf, "CN=TEST ONLY dstack4j App CA,O=dstack4j simulator (TEST ONLY)");
    }

    /**
     * An app CA named {@code distinguishedName} (e.g. a cluster's), its key and serial from {@code kdf}: same seed and
     * name, byte-identical CA certificate.
     */
    public static AppCa create(SeedKdf kdf, String distinguishedName) {
        P256Key key = P256Key.derive(kdf, "app-ca");
        X500Name name = new X500Name(distinguishedName);
        byte[] serial = kdf.derive("serial:app-ca", 20);
        serial[0] = (byte) ((serial[0] & 0x7f) | 0x01);
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(serial),
                    CA_NOT_BEFORE, CA_NOT_AFTER, name, key.publicKey());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key.publicKey()));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new AppCa(key, convert(b.build(new DeterministicContentSigner(key))));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("building the app CA failed: " + e.getMessage(), e);
        }
    }

    /** The CA certificate. */
    public X509Certificate certificate() {
        return cert;
    }

    /**
     * What a TLS certificate should say.
     *
     * @param subject          CN (omitted when empty)
     * @param altNames         DNS names or IP literals for the SAN
     * @param serverAuth       add EKU serverAuth
     * @param clientAuth       add EKU clientAuth
     * @param notBefore        validity start
     * @param notAfter         validity end
     * @param extraExtensions  non-critical extensions, OID → raw value bytes (wrapped in an OCTET STRING)
     */
    public record TlsRequest(String subject, List<String> altNames, boolean serverAuth, boolean clientAuth,
            Instant notBefore, Instant notAfter, Map<String, byte[]> extraExtensions) {}

    /** A fresh key and its certificate chain (leaf, CA), PEM. */
    public record IssuedTlsKey(String keyPem, List<String> certificateChain, PublicKey publicKey) {}

    /** Generates a random P-256 key (as dstack does for GetTlsKey). */
    public KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is supported by every JDK", e);
        }
    }

    /**
     * Issues a certificate for {@code keyPair}.
     *
     * @throws IllegalArgumentException if an alt name is neither a DNS name nor an IP literal
     */
    public IssuedTlsKey issue(KeyPair keyPair, TlsRequest req) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        if (!req.subject().isEmpty()) {
            subject.addRDN(BCStyle.CN, req.subject());
        } else if (req.altNames().isEmpty()) {
            subject.addRDN(BCStyle.CN, DEFAULT_SUBJECT); // an empty DN needs a SAN (RFC 5280 §4.1.2.6)
        }
        byte[] serial = new byte[16];
        random.nextBytes(serial);
        serial[0] = (byte) ((serial[0] & 0x7f) | 0x01);
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, new BigInteger(serial),
                    Date.from(req.notBefore()), Date.from(req.notAfter()), subject.build(), keyPair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            List<KeyPurposeId> purposes = new ArrayList<>();
            if (req.serverAuth()) purposes.add(KeyPurposeId.id_kp_serverAuth);
            if (req.clientAuth()) purposes.add(KeyPurposeId.id_kp_clientAuth);
            if (!purposes.isEmpty()) {
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
            }
            if (!req.altNames().isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String n : req.altNames()) {
                    names.add(isIpLiteral(n) ? new GeneralName(GeneralName.iPAddress, n)
                            : new GeneralName(GeneralName.dNSName, n));
                }
                // critical when the subject is empty, as RFC 5280 requires
                b.addExtension(Extension.subjectAlternativeName, req.subject().isEmpty(),
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            for (var e : req.extraExtensions().entrySet()) {
                b.addExtension(new ASN1ObjectIdentifier(e.getKey()), false, new DEROctetString(e.getValue()));
            }
            X509Certificate leaf = convert(b.build(new DeterministicContentSigner(key)));
            return new IssuedTlsKey(pem(new JcaPKCS8Generator(keyPair.getPrivate(), null)),
                    List.of(pem(leaf), pem(cert)), keyPair.getPublic());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("issuing a TLS certificate failed: " + e.getMessage(), e);
        }
    }

    /** Dotted-quad IPv4 or an IPv6 literal; these never trigger a DNS lookup in {@link InetAddress#getByName}. */
    private static boolean isIpLiteral(String s) {
        boolean v4 = s.matches("((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])");
        if (v4) return true;
        if (!s.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) return false;
        try {
            InetAddress.getByName(s);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static X509Certificate convert(X509CertificateHolder holder) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new GeneralSecurityException("certificate conversion failed", e);
        }
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException("PEM encoding failed", e);
        }
        return out.toString();
    }
}
