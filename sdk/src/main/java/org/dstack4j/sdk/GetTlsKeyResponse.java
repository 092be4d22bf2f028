package org.dstack4j.sdk;

import java.util.List;

/**
 * Answer of {@code GetTlsKey}. Holds a secret: {@link #toString()} never shows the key.
 *
 * @param key              the private key, PEM PKCS#8
 * @param certificateChain PEM certificates, leaf first
 */
public record GetTlsKeyResponse(String key, List<String> certificateChain) {

    public GetTlsKeyResponse {
        certificateChain = List.copyOf(certificateChain);
    }

    @Override
    public String toString() {
        return "GetTlsKeyResponse[key=(hidden), certificateChain=" + certificateChain.size() + " certificates]";
    }
}
