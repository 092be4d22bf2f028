package org.dstack4j.sdk;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding of untrusted bytes before they reach a JSON parser.
 *
 * <p>Why: Jackson's byte parser looks field names up in a table it keeps between parses and pads with
 * 0xFF, so once it has seen {@code config}, the invalid bytes {@code "conf\xFF\xFFig"} can be read as
 * {@code config} (found by fuzzing the launcher). Two readers of the same bytes could then see different
 * keys. Decoding strictly first and parsing the {@code String} removes that ambiguity.
 */
public final class Utf8 {
    private Utf8() {}

    /**
     * Decodes {@code bytes} as UTF-8, rejecting malformed and unmappable sequences (no replacement characters).
     *
     * @throws CharacterCodingException when the bytes are not valid UTF-8
     */
    public static String decodeStrict(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
