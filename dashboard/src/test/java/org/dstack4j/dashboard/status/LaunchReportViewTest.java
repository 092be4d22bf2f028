package org.dstack4j.dashboard.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LaunchReportViewTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFailedLaunchShowsItsStepErrorAndFixAndNothingElse(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("r.json"), """
                {"ok":false,"failed_step":"registry","error":"manifest unknown <x>","input":"MPC_IMAGE_TAGS","fix":"push the tag",
                 "durations_ms":{"total":17},"container":{"env":[{"name":"K","value":"hunter2-secret"}]},"token":"hunter2-secret"}
                """);
        var view = LaunchReportView.read(f);
        assertThat(view.path("failed_step").asText()).isEqualTo("registry");
        assertThat(view.path("total_ms").asLong()).isEqualTo(17);
        assertThat(view.toString()).doesNotContain("hunter2-secret");
        var status = JSON.createObjectNode();
        status.set("launch", view);
        String html = Page.render(status);
        assertThat(html).contains("<dt>Failed step</dt><dd>registry</dd>", "manifest unknown &lt;x&gt;", "<dt>Fix</dt><dd>push the tag</dd>")
                .doesNotContain("hunter2-secret", "<x>");
    }

    @Test
    void missingOversizedAndMalformedFilesSaySo(@TempDir Path dir) throws Exception {
        assertThat(LaunchReportView.read(dir.resolve("absent.json")).path("unreadable").asText()).startsWith("no launch report yet");
        Path big = Files.write(dir.resolve("big.json"), new byte[LaunchReportView.MAX_BYTES + 1]);
        assertThat(LaunchReportView.read(big).path("unreadable").asText()).isEqualTo("the report is over 1048576 bytes");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{\"ok\":");
        assertThat(LaunchReportView.read(notJson).path("unreadable").asText()).isEqualTo("the report cannot be read as JSON");
        Path array = Files.writeString(dir.resolve("array.json"), "[1]");
        assertThat(LaunchReportView.read(array).path("unreadable").asText()).isEqualTo("the report is not a JSON object");
    }

    @Test
    void longValuesAndListsAreCut(@TempDir Path dir) throws Exception {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 100; i++) list.append(i == 0 ? "" : ",").append("\"d").append(i).append('"');
        Path f = Files.writeString(dir.resolve("r.json"), "{\"selection_reason\":\"" + "x".repeat(5000) + "\",\"approved_hashes\":" + list + "]}");
        var view = LaunchReportView.read(f);
        assertThat(view.path("selection_reason").asText()).hasSize(LaunchReportView.MAX_VALUE_CHARS + 1).endsWith("…");
        assertThat(view.path("approved_hashes")).hasSize(LaunchReportView.MAX_APPROVED);
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoOrSymlinkAtTheReportPathIsNamedNotOpened(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo.json");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        Path secret = Files.writeString(dir.resolve("secret.json"), "{\"error\":\"hunter2-secret\"}");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), secret);
        for (Path f : new Path[] {fifo, link}) {
            var view = LaunchReportView.read(f);
            assertThat(view.path("unreadable").asText()).startsWith("no launch report: " + f).contains("not a regular file");
            var status = JSON.createObjectNode();
            status.set("launch", view);
            assertThat(Page.render(status)).contains("no launch report: ").doesNotContain("hunter2-secret");
        }
    }
}
