package org.dstack4j.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The relay's reboot worker on close: a restart in progress is interrupted, then allowed to finish bringing the CVM back. */
class RebootForwarderTest {
    @Test
    void closeWaitsForTheInterruptedRestartToFinish() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean started = new AtomicBoolean();
        List<String> log = new CopyOnWriteArrayList<>();
        // as VmmClient.restart: an interrupt ends the grace wait, the start still happens (it takes a while), the flag stays
        RebootForwarder.Target target = () -> {
            running.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5).toMillis());
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            long end = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (System.nanoTime() < end) Thread.onSpinWait();
            started.set(true);
            Thread.currentThread().interrupt();
            return "VM x restarted (forced)";
        };
        RebootForwarder f = new RebootForwarder(target, "VM x", Duration.ZERO, System::nanoTime, log::add);
        f.request("newer image");
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
        f.close();
        assertThat(interrupted).isTrue();
        assertThat(started).as("close returned only after the restart finished").isTrue();
        assertThat(log).containsExactly("reboot forwarded: restarting VM x (newer image)", "reboot done: VM x restarted (forced)");
    }
}
