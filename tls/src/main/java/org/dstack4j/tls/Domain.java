package org.dstack4j.tls;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A DNS name a cluster serves, lower-case ASCII (punycode for international names), as the certificate's SAN and
 * the TLS key's derivation context carry it.
 *
 * @param name e.g. {@code app.example.com}; at most 253 characters, labels of 1..63 letters, digits and hyphens
 */
public record Domain(String name) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public Domain {
        if (name == null || name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("a TLS domain is 1..253 characters, e.g. app.example.com");
        }
        name = name.toLowerCase(Locale.ROOT);
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + name.replaceAll("[^\\x20-\\x7e]", "?")
                        + "' is not a DNS name (letters, digits, hyphens; punycode for international names)");
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
