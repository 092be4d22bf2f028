package org.dstack4j.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A container's stdout and stderr through the Engine API, for tests that check what a node printed. */
final class ContainerLogs {
    private static final Duration AWAIT = Duration.ofSeconds(20);

    private ContainerLogs() {}

    /** Everything the container printed so far (waits at most 10 s for the engine to stream it). */
    static String read(DockerClient docker, String containerId) throws InterruptedException {
        StringBuilder out = new StringBuilder();
        docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTailAll()
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }).awaitCompletion(10, TimeUnit.SECONDS);
        return out.toString();
    }

    /** The logs once they contain {@code expected}, or after 20 s whatever they hold. */
    static String await(DockerClient docker, String containerId, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        String logs = read(docker, containerId);
        while (!logs.contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            logs = read(docker, containerId);
        }
        return logs;
    }
}
