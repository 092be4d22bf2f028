package org.dstack4j.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.dstack4j.agent.keys.AppKeys;
import org.junit.jupiter.api.Test;

/** GetKey's derivation cache must return exactly what an uncached derivation returns. */
class KeyMethodsCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AppKeys KEYS;

    static {
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) 7);
        KEYS = AppKeys.issuedBy(root, new byte[20]);
    }

    private static Params params(String path, String purpose, String algorithm) {
        ObjectNode n = JSON.createObjectNode().put("path", path).put("purpose", purpose);
        if (algorithm != null) {
            n.put("algorithm", algorithm);
        }
        return new Params(n);
    }

    private static ObjectNode fresh(String path, String purpose, String algorithm) throws Exception {
        return new KeyMethods(KEYS).getKey(params(path, purpose, algorithm));
    }

    @Test
    void cachedAnswersEqualFreshDerivationsForEveryInputPart() throws Exception {
        KeyMethods cached = new KeyMethods(KEYS);
        ObjectNode first = cached.getKey(params("/a", "signing", null));

        assertThat(cached.getKey(params("/a", "signing", null))).isEqualTo(first).isEqualTo(fresh("/a", "signing", null));
        // each part of the input reaches the cache key: a hit on the wrong entry would differ here
        assertThat(cached.getKey(params("/a", "encryption", null))).isEqualTo(fresh("/a", "encryption", null))
                .isNotEqualTo(first);
        assertThat(cached.getKey(params("/b", "signing", null))).isEqualTo(fresh("/b", "signing", null))
                .isNotEqualTo(first);
        assertThat(cached.getKey(params("/a", "signing", "ed25519"))).isEqualTo(fresh("/a", "signing", "ed25519"))
                .isNotEqualTo(first);
        assertThat(cached.getKey(params("/a", "signing", "k256"))).isEqualTo(first);
    }

    @Test
    void answersStayCorrectAfterEviction() throws Exception {
        KeyMethods cached = new KeyMethods(KEYS);
        ObjectNode first = cached.getKey(params("/p0", "x", null));
        for (int i = 1; i <= KeyMethods.CACHE_ENTRIES + 5; i++) {
            cached.getKey(params("/p" + i, "x", null));
        }

        assertThat(cached.getKey(params("/p0", "x", null))).isEqualTo(first);
        assertThat(cached.getKey(params("/p" + KeyMethods.CACHE_ENTRIES, "x", null)))
                .isEqualTo(fresh("/p" + KeyMethods.CACHE_ENTRIES, "x", null));
    }
}
