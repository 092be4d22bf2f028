package org.dstack4j.launcher.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Parser for {@code WWW-Authenticate} header values (RFC 7235 §4.1 and §2.1, RFC 9110 §5.6):
 * <pre>
 *   WWW-Authenticate = 1#challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 * </pre>
 * One value may hold several comma-separated challenges; a comma after a parameter starts either
 * the next parameter ({@code name=}) or the next challenge (a scheme not followed by {@code =}).
 * Quoted strings may contain {@code \}-escaped characters. Duplicate parameter names within one
 * challenge are rejected (RFC 7235 §2.1). Pure function, no I/O.
 */
public final class WwwAuthenticate {
    private static final String TCHAR_SPECIALS = "!#$%&'*+-.^_`|~";
    private static final String TOKEN68_SPECIALS = "-._~+/";

    private final String text;
    private int pos;

    private WwwAuthenticate(String text) {
        this.text = text;
    }

    /**
     * Parses one header value.
     *
     * @return the challenges in order, at least one
     * @throws ChallengeSyntaxException when the value is empty or not valid syntax
     */
    public static List<AuthChallenge> parse(String value) throws ChallengeSyntaxException {
        if (value == null) throw new ChallengeSyntaxException("no WWW-Authenticate value");
        return new WwwAuthenticate(value).challenges();
    }

    private List<AuthChallenge> challenges() throws ChallengeSyntaxException {
        List<AuthChallenge> result = new ArrayList<>();
        skipListSeparators();
        while (pos < text.length()) {
            result.add(challenge());
            skipListSeparators();
        }
        if (result.isEmpty()) throw fail("no challenge");
        return List.copyOf(result);
    }

    private AuthChallenge challenge() throws ChallengeSyntaxException {
        String scheme = token();
        if (scheme.isEmpty()) throw fail("expected an auth scheme");
        Map<String, String> params = new LinkedHashMap<>();
        if (pos >= text.length() || text.charAt(pos) == ',') {
            return new AuthChallenge(scheme, params, Optional.empty());
        }
        if (text.charAt(pos) != ' ') throw fail("expected a space after the scheme " + scheme);
        skipSpaces();
        if (pos >= text.length() || text.charAt(pos) == ',') {
            return new AuthChallenge(scheme, params, Optional.empty());
        }
        Optional<String> token68 = token68();
        if (token68.isPresent()) return new AuthChallenge(scheme, params, token68);

        while (true) {
            int start = pos;
            String name = token();
            if (name.isEmpty()) throw fail("expected a parameter name");
            skipSpaces();
            if (pos >= text.length() || text.charAt(pos) != '=') {
                if (params.isEmpty()) throw fail("expected '=' after parameter " + name);
                pos = start; // not a parameter: the next challenge's scheme
                return new AuthChallenge(scheme, params, Optional.empty());
            }
            pos++;
            skipSpaces();
            String value;
            if (pos < text.length() && text.charAt(pos) == '"') {
                value = quotedString();
            } else {
                value = token();
                if (value.isEmpty()) throw fail("expected a value for parameter " + name);
            }
            String key = name.toLowerCase(Locale.ROOT);
            if (params.putIfAbsent(key, value) != null) throw fail("parameter " + name + " appears twice");
            skipSpaces();
            if (pos >= text.length()) return new AuthChallenge(scheme, params, Optional.empty());
            if (text.charAt(pos) != ',') throw fail("expected ',' after parameter " + name);
            skipListSeparators();
            if (pos >= text.length()) return new AuthChallenge(scheme, params, Optional.empty());
        }
    }

    /** A token68 is only recognised when it is the whole rest of this challenge (up to a comma or the end). */
    private Optional<String> token68() {
        int end = pos;
        while (end < text.length() && isToken68Char(text.charAt(end))) end++;
        if (end == pos) return Optional.empty();
        while (end < text.length() && text.charAt(end) == '=') end++;
        int after = end;
        while (after < text.length() && text.charAt(after) == ' ') after++;
        boolean ends = after >= text.length() || text.charAt(after) == ',';
        // "name=value" has a value after '='; a token68 ends right after its optional '=' padding
        if (!ends) return Optional.empty();
        String candidate = text.substring(pos, end);
        pos = after;
        return Optional.of(candidate);
    }

    private String token() {
        int start = pos;
        while (pos < text.length() && isTchar(text.charAt(pos))) pos++;
        return text.substring(start, pos);
    }

    private String quotedString() throws ChallengeSyntaxException {
        int open = pos;
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') return out.toString();
            if (c == '\\') {
                if (pos >= text.length()) break;
                char escaped = text.charAt(pos++);
                if (!isQuotedPairChar(escaped)) throw fail("invalid escaped character");
                out.append(escaped);
            } else if (isQdtext(c)) {
                out.append(c);
            } else {
                throw fail("invalid character in quoted string");
            }
        }
        pos = open;
        throw fail("unterminated quoted string");
    }

    private void skipSpaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) pos++;
    }

    private void skipListSeparators() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t' || text.charAt(pos) == ',')) pos++;
    }

    private ChallengeSyntaxException fail(String problem) {
        return new ChallengeSyntaxException("malformed WWW-Authenticate at offset " + pos + ": " + problem);
    }

    private static boolean isTchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TCHAR_SPECIALS.indexOf(c) >= 0;
    }

    private static boolean isToken68Char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TOKEN68_SPECIALS.indexOf(c) >= 0;
    }

    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    private static boolean isQdtext(char c) {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }

    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    private static boolean isQuotedPairChar(char c) {
        return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }
}
