package org.dstack4j.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * A bare anonymous CNCF distribution registry ({@code /usr/bin/docker-registry}) on
 * {@code 127.0.0.1:<free port>}, just enough for {@link DockerEngineTest} to push and pull through
 * the engine. The registry fixtures with authentication live in {@code fixtures}.
 */
final class LocalRegistry implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Process process;
    private final String address;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalRegistry(Path dir, Process process, String address) {
        this.dir = dir;
        this.process = process;
        this.address = address;
    }

    static LocalRegistry start() throws IOException, InterruptedException {
        // the free port may be taken between the probe and the registry's bind: then try another
        for (int attempt = 1; ; attempt++) {
            try {
                return start(org.dstack4j.e2e.fixtures.FreePort.loopback());
            } catch (IOException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("address already in use")) throw e;
            }
        }
    }

    private static LocalRegistry start(int port) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("d4j-registry-");
        String address = "127.0.0.1:" + port;
        Path config = Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: %s
                """.formatted(dir.resolve("data"), address));
        Process process = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile())
                .start();
        LocalRegistry registry = new LocalRegistry(dir, process, address);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = Files.readString(dir.resolve("registry.log")); // before close() deletes the dir
                registry.close();
                throw new IOException("docker-registry exited: " + log);
            }
            try {
                if (registry.get("/v2/", "application/json").statusCode() == 200) {
                    return registry;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        registry.close();
        throw new IOException("docker-registry did not answer /v2/ within " + READY_TIMEOUT.toSeconds() + " s");
    }

    /** {@code 127.0.0.1:<port>}. */
    String address() {
        return address;
    }

    /** The {@code Docker-Content-Digest} of {@code name:tag}'s Docker v2 manifest. */
    ImageDigest manifestDigest(String name, String tag) throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/v2/" + name + "/manifests/" + tag,
                "application/vnd.docker.distribution.manifest.v2+json");
        if (answer.statusCode() != 200) {
            throw new IOException("manifest " + name + ":" + tag + " answered " + answer.statusCode());
        }
        String digest = answer.headers().firstValue("Docker-Content-Digest").orElseThrow();
        return ImageDigest.parse(digest).orElseThrow();
    }

    private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + address + path))
                .header("Accept", accept).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        http.close();
    }
}
