package org.dstack4j.dashboard.system;

import java.util.Locale;

/**
 * {@link SystemInfo} in the Prometheus text format (version 0.0.4), with the metric names dstack's agent
 * serves on {@code /metrics} ({@code system_*}, {@code disk_*}).
 */
public final class Metrics {
    private Metrics() {}

    /** The exposition text, ending with a newline. */
    public static String render(SystemInfo s) {
        StringBuilder out = new StringBuilder();
        info(out, "system_os_name", "Operating system name", "os_name", s.osName());
        info(out, "system_os_version", "Operating system version", "os_version", s.osVersion());
        info(out, "system_kernel_version", "Kernel version", "kernel_version", s.kernelVersion());
        info(out, "system_cpu_model", "CPU model information", "cpu_model", s.cpuModel());
        gauge(out, "system_num_cpus", "Number of logical CPUs", s.cpus());
        gauge(out, "system_memory_total", "Total memory in bytes", s.memTotal());
        gauge(out, "system_memory_available", "Available memory in bytes", s.memAvailable());
        gauge(out, "system_memory_used", "Used memory in bytes", s.memUsed());
        gauge(out, "system_memory_free", "Free memory in bytes", s.memFree());
        gauge(out, "system_swap_total", "Total swap memory in bytes", s.swapTotal());
        gauge(out, "system_swap_used", "Used swap memory in bytes", Math.max(0, s.swapTotal() - s.swapFree()));
        gauge(out, "system_swap_free", "Free swap memory in bytes", s.swapFree());
        gauge(out, "system_uptime", "System uptime in seconds", s.uptimeSeconds());
        gauge(out, "system_load_average_1m", "System load average (1 minute)", s.load1());
        gauge(out, "system_load_average_5m", "System load average (5 minutes)", s.load5());
        gauge(out, "system_load_average_15m", "System load average (15 minutes)", s.load15());
        disks(out, "disk_total_size", "Disk total size in bytes", s, 0);
        disks(out, "disk_free_size", "Disk free size in bytes", s, 1);
        disks(out, "disk_used_size", "Disk used size in bytes", s, 2);
        return out.toString();
    }

    private static void disks(StringBuilder out, String name, String help, SystemInfo s, int which) {
        head(out, name, help);
        for (SystemInfo.Disk d : s.disks()) {
            long v = switch (which) {
                case 0 -> d.totalBytes();
                case 1 -> d.freeBytes();
                default -> Math.max(0, d.totalBytes() - d.freeBytes());
            };
            out.append(name).append("{name=\"").append(label(d.name())).append("\",mount_point=\"")
                    .append(label(d.mountPoint())).append("\"} ").append(v).append('\n');
        }
    }

    private static void info(StringBuilder out, String name, String help, String label, String value) {
        head(out, name, help);
        out.append(name).append('{').append(label).append("=\"").append(label(value)).append("\"} 1\n");
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        head(out, name, help);
        out.append(name).append(' ').append(value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : String.format(Locale.ROOT, "%.2f", value)).append('\n');
    }

    private static void head(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
    }

    /** A label value escaped as the format requires: backslash, double quote and newline. */
    static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
