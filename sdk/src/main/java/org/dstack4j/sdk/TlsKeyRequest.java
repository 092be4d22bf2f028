package org.dstack4j.sdk;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Parameters of {@code GetTlsKey}.
 *
 * {@snippet :
 * var req = TlsKeyRequest.forSubject("node.example").withAltNames(List.of("node.example")).withRaTls(true);
 * }
 *
 * @param subject         certificate subject CN
 * @param altNames        DNS subject alternative names
 * @param usageRaTls      embed the quote (RA-TLS extension)
 * @param usageServerAuth allow TLS server authentication
 * @param usageClientAuth allow TLS client authentication
 * @param notBefore       validity start, seconds since the epoch, if set
 * @param notAfter        validity end, seconds since the epoch, if set
 * @param withAppInfo     include app information in the certificate
 */
public record TlsKeyRequest(String subject, List<String> altNames, boolean usageRaTls, boolean usageServerAuth,
        boolean usageClientAuth, OptionalLong notBefore, OptionalLong notAfter, boolean withAppInfo) {

    public TlsKeyRequest {
        Objects.requireNonNull(subject, "subject");
        altNames = List.copyOf(altNames);
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** A server-auth certificate request for {@code subject}, no alt names, no RA-TLS. */
    public static TlsKeyRequest forSubject(String subject) {
        return new TlsKeyRequest(subject, List.of(), false, true, false, OptionalLong.empty(), OptionalLong.empty(), false);
    }

    public TlsKeyRequest withAltNames(List<String> names) {
        return new TlsKeyRequest(subject, names, usageRaTls, usageServerAuth, usageClientAuth, notBefore, notAfter, withAppInfo);
    }

    public TlsKeyRequest withRaTls(boolean on) {
        return new TlsKeyRequest(subject, altNames, on, usageServerAuth, usageClientAuth, notBefore, notAfter, withAppInfo);
    }

    public TlsKeyRequest withClientAuth(boolean on) {
        return new TlsKeyRequest(subject, altNames, usageRaTls, usageServerAuth, on, notBefore, notAfter, withAppInfo);
    }

    public TlsKeyRequest withAppInfo(boolean on) {
        return new TlsKeyRequest(subject, altNames, usageRaTls, usageServerAuth, usageClientAuth, notBefore, notAfter, on);
    }
}
