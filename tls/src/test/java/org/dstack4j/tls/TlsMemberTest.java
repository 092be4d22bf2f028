package org.dstack4j.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.dstack4j.chain.Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TlsMemberTest {
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anUnexpectedRuntimeExceptionIsReportedWithoutItsMessageAndTheJobGoesOn(@TempDir Path dir) throws Exception {
        var settings = new UnstoppableTls.Settings(new Domain("app.cluster.test"),
                new AcmeDirectory(URI.create("https://127.0.0.1:1/dir"), List.of(), Duration.ofSeconds(1)), List.of(),
                new CertificateStore(dir), Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofDays(1));
        AtomicInteger calls = new AtomicInteger();
        List<String> out = new CopyOnWriteArrayList<>();
        // the member list fails twice (as a chain read could), then holds no one: the job must keep polling
        var job = new TlsMember(settings, new TlsMember.Serving(new InetSocketAddress("127.0.0.1", 0), x -> {}, Duration.ofMillis(10)),
                new TlsMember.Derivations() {
                    @Override
                    public <T> Optional<T> with(java.util.function.Function<org.dstack4j.cluster.secret.KeyDerivation, T> use) {
                        return Optional.empty();
                    }
                }, () -> {
                    if (calls.incrementAndGet() <= 2) throw new IllegalStateException("hunter2-secret");
                    return List.of();
                }, Address.parse("0x" + "11".repeat(20)), null, null, out::add);
        Thread t = Thread.ofVirtual().start(job::run);
        while (calls.get() < 5) Thread.sleep(5);
        job.close();
        t.join();
        assertThat(out).hasSize(2).allSatisfy(line -> assertThat(line).contains("\"event\":\"tls-error\"", "unexpected java.lang.IllegalStateException")
                .doesNotContain("hunter2-secret"));
    }
}
