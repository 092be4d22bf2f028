package org.dstack4j.dashboard.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @Test
    void readsProcFilesAndRendersPrometheusText(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "NAME=\"Dstack \\\"OS\\\"\"\nVERSION_ID=\"0.5\"\n");
        Files.writeString(root.resolve("proc/meminfo"), "MemTotal:       2048 kB\nMemFree:         512 kB\nMemAvailable:   1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nmodel name\t: Test CPU\nprocessor\t: 1\nmodel name\t: Test CPU\n");
        Files.writeString(root.resolve("proc/loadavg"), "0.50 0.25 0.10 1/100 4242\n");
        Files.writeString(root.resolve("proc/uptime"), "3723.45 100.00\n");
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "6.9.0-dstack\n");
        SystemInfo s = SystemInfo.read(root);
        assertThat(s.cpus()).isEqualTo(2);
        assertThat(s.cpuModel()).isEqualTo("Test CPU");
        assertThat(s.memTotal()).isEqualTo(2048 * 1024);
        assertThat(s.memUsed()).isEqualTo(1024 * 1024);
        assertThat(s.uptimeSeconds()).isEqualTo(3723);
        String text = Metrics.render(new SystemInfo(s.osName(), s.osVersion(), s.kernelVersion(), s.cpuModel(), s.cpus(),
                s.memTotal(), s.memAvailable(), s.memFree(), s.swapTotal(), s.swapFree(), s.load1(), s.load5(), s.load15(),
                s.uptimeSeconds(), List.of(new SystemInfo.Disk("vda1", "/", 1000, 250))));
        assertThat(text).contains("system_num_cpus 2\n", "system_memory_total 2097152\n", "system_memory_used 1048576\n",
                "system_load_average_1m 0.50\n", "system_uptime 3723\n", "system_kernel_version{kernel_version=\"6.9.0-dstack\"} 1\n",
                "disk_used_size{name=\"vda1\",mount_point=\"/\"} 750\n", "# TYPE system_num_cpus gauge\n");
        // a label value cannot break out of its quotes
        assertThat(text).contains("system_os_name{os_name=\"Dstack \\\\\\\"OS\\\\\\\"\"} 1");
    }

    @Test
    void missingFilesLeaveZeros(@TempDir Path root) {
        SystemInfo s = SystemInfo.read(root);
        assertThat(s.memTotal()).isZero();
        assertThat(s.cpus()).isPositive();
        assertThat(Metrics.render(s)).contains("system_memory_total 0\n");
    }
}
