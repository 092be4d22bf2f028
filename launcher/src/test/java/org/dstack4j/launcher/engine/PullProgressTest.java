package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link PullProgress} fed with messages as dockerd sends them on {@code POST /images/create}. */
class PullProgressTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> lines = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private final PullProgress progress = new PullProgress(lines::add, clock::get, Duration.ofSeconds(1));

    private void feed(String json) throws Exception {
        progress.accept(JSON.readTree(json));
    }

    @Test
    void statusChangesOfEachLayerBecomeOneLineEach() throws Exception {
        feed("{\"status\":\"Pulling from nearone/mpc-node\",\"id\":\"sha256:aa\"}");
        feed("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}");
        feed("{\"status\":\"Waiting\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}");
        feed("{\"status\":\"Waiting\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}");
        feed("{\"status\":\"Verifying Checksum\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}");
        feed("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}");
        feed("{\"status\":\"Digest: sha256:" + "ab".repeat(32) + "\"}");
        feed("{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/x@sha256:" + "ab".repeat(32) + "\"}");

        assertThat(lines).containsExactly(
                "Pulling from nearone/mpc-node",
                "3f4d90098f5b: Pulling fs layer",
                "3f4d90098f5b: Waiting",
                "3f4d90098f5b: Verifying Checksum",
                "3f4d90098f5b: Pull complete",
                "Digest: sha256:" + "ab".repeat(32),
                "Status: Downloaded newer image for 127.0.0.1:5000/x@sha256:" + "ab".repeat(32));
        assertThat(progress.finalStatus()).contains("Downloaded newer image for 127.0.0.1:5000/x@sha256:" + "ab".repeat(32));
        assertThat(progress.error()).isEmpty();
    }

    @Test
    void byteProgressIsThrottledPerLayer() throws Exception {
        String a = "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":%d,\"total\":12000000},\"progress\":\"[=>  ]\",\"id\":\"aaaa\"}";
        String b = "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":%d,\"total\":2048},\"id\":\"bbbb\"}";
        feed(a.formatted(1_000_000));
        feed(b.formatted(1024));
        clock.addAndGet(Duration.ofMillis(400).toNanos());
        feed(a.formatted(2_000_000)); // within a second of the last aaaa line: dropped
        feed(b.formatted(1500)); // dropped too
        clock.addAndGet(Duration.ofMillis(700).toNanos());
        feed(a.formatted(3_100_000));
        feed("{\"status\":\"Extracting\",\"progressDetail\":{\"current\":3200000,\"total\":12000000},\"id\":\"aaaa\"}");
        feed("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"aaaa\"}");

        assertThat(lines).containsExactly(
                "aaaa: Downloading 1.0/12.0 MB",
                "bbbb: Downloading 1.0/2.0 kB",
                "aaaa: Downloading 3.1/12.0 MB",
                "aaaa: Extracting 3.2/12.0 MB", // a new status always passes the throttle
                "aaaa: Pull complete");
    }

    @Test
    void byteCountsWithoutTotalAndSmallSizes() throws Exception {
        feed("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512},\"id\":\"cccc\"}");
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        feed("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":2500000000},\"id\":\"cccc\"}");

        assertThat(lines).containsExactly("cccc: Downloading 512 B", "cccc: Downloading 2.5 GB");
    }

    @Test
    void anErrorMessageIsKeptOnceAndReported() throws Exception {
        feed("{\"status\":\"Pulling fs layer\",\"id\":\"dddd\"}");
        feed("{\"errorDetail\":{\"message\":\"manifest unknown: manifest unknown\"},\"error\":\"manifest unknown: manifest unknown\"}");
        feed("{\"error\":\"second error\"}");

        assertThat(progress.error()).contains("manifest unknown: manifest unknown");
        assertThat(lines).containsExactly("dddd: Pulling fs layer", "error: manifest unknown: manifest unknown");
    }

    @Test
    void anErrorWithoutDetailUsesTheErrorField() throws Exception {
        feed("{\"error\":\"unauthorized: authentication required\"}");

        assertThat(progress.error()).contains("unauthorized: authentication required");
    }

    @Test
    void controlCharactersFromTheEngineCannotForgeLogLines() throws Exception {
        feed("{\"status\":\"Pulling fs layer\\nlaunch succeeded\",\"id\":\"ee\\r\\nee\"}");
        feed("{\"error\":\"bad\\u001b[31m thing\\n" + "x".repeat(1000) + "\"}");

        assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).doesNotContain("\n", "\r", "\u001b"));
        assertThat(lines.get(0)).isEqualTo("ee  ee: Pulling fs layer launch succeeded");
        assertThat(progress.error().orElseThrow()).hasSize(PullProgress.MAX_FIELD_CHARS);
    }
}
