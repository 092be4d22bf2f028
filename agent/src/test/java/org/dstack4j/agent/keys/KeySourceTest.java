package org.dstack4j.agent.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Only the local key provider's keys count as in memory: the agent's server answers key methods on its I/O
 * threads only then, so a source that waits for another process (a cluster node) never stalls them.
 */
class KeySourceTest {
    @Test
    void onlyFixedKeysAreInMemory() throws Exception {
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) 3);
        AppKeys keys = AppKeys.issuedBy(root, new byte[20]);
        KeySource fixed = KeySource.fixed(keys, null);
        assertThat(fixed.inMemory()).isTrue();
        assertThat(fixed.keys().appKeys()).isSameAs(keys);

        KeySource remote = () -> {
            throw new KeysUnavailableException("the cluster node holds no secret yet");
        };
        assertThat(remote.inMemory()).as("a source that does not say so may do I/O").isFalse();
    }
}
