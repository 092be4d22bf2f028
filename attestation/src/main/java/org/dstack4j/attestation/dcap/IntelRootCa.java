package org.dstack4j.attestation.dcap;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The Intel SGX Root CA, the DCAP trust anchor, pinned in code (never taken from evidence).
 * {@code CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US}, serial
 * {@code 22650cd65a9d3489f383b49552bf501b392706ac}, valid 2018-05-21 to 2049-12-31, P-256 key
 * {@code 04 0ba9c4c0…ae7394} (the same key dcap-qvl pins). SHA-256 fingerprint of the DER:
 * {@value #SHA256_FINGERPRINT}.
 */
public final class IntelRootCa {
    /** SHA-256 of the root certificate's DER encoding, lowercase hex. */
    public static final String SHA256_FINGERPRINT = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

    /** The certificate, PEM. */
    public static final String PEM = """
            -----BEGIN CERTIFICATE-----
            MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
            aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
            cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
            BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
            A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
            aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
            AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
            1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
            uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
            MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
            ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
            Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
            KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
            AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
            -----END CERTIFICATE-----
            """;

    /** Where Intel publishes the root CA CRL (the root's CRL distribution point). */
    public static final String CRL_URL = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

    private static final X509Certificate CERT = load();

    private IntelRootCa() {}

    /** The pinned certificate. */
    public static X509Certificate certificate() {
        return CERT;
    }

    /** SHA-256 of a certificate's DER, lowercase hex. */
    public static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 and DER encoding are always available", e);
        }
    }

    private static X509Certificate load() {
        try {
            X509Certificate c = Pem.certificate(PEM);
            if (!fingerprint(c).equals(SHA256_FINGERPRINT)) throw new IllegalStateException("pinned root fingerprint mismatch");
            return c;
        } catch (CertificateException e) {
            throw new IllegalStateException("the pinned Intel SGX Root CA does not parse", e);
        }
    }
}
