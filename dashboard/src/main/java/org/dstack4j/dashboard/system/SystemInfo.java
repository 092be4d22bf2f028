package org.dstack4j.dashboard.system;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code public_sysinfo} shows, read from Linux's {@code /proc} and {@code /etc/os-release}. A file that
 * cannot be read leaves its fields at 0 or empty (the page still renders).
 *
 * @param osName        {@code NAME} of {@code /etc/os-release}
 * @param osVersion     {@code VERSION_ID} of {@code /etc/os-release}
 * @param kernelVersion {@code /proc/sys/kernel/osrelease}
 * @param cpuModel      the first {@code model name} of {@code /proc/cpuinfo}
 * @param cpus          logical CPUs
 * @param memTotal      bytes ({@code MemTotal})
 * @param memAvailable  bytes ({@code MemAvailable})
 * @param memFree       bytes ({@code MemFree})
 * @param swapTotal     bytes
 * @param swapFree      bytes
 * @param load1         load average over 1 minute
 * @param load5         over 5 minutes
 * @param load15        over 15 minutes
 * @param uptimeSeconds seconds since boot
 * @param disks         block-device file systems (device name under {@code /dev/})
 */
public record SystemInfo(String osName, String osVersion, String kernelVersion, String cpuModel, int cpus,
                         long memTotal, long memAvailable, long memFree, long swapTotal, long swapFree,
                         double load1, double load5, double load15, long uptimeSeconds, List<Disk> disks) {

    /** One file system: device name, mount point and sizes in bytes. */
    public record Disk(String name, String mountPoint, long totalBytes, long freeBytes) {}

    private static final int MAX_FILE_BYTES = 1 << 20;

    public SystemInfo {
        disks = List.copyOf(disks);
    }

    /** Bytes of memory in use: total minus available. */
    public long memUsed() {
        return Math.max(0, memTotal - memAvailable);
    }

    /** Reads the running system's values (root = {@code /}). */
    public static SystemInfo read() {
        return read(Path.of("/"));
    }

    /** Reads the values under {@code root} (tests point it at a fake tree); disks always come from the JVM. */
    static SystemInfo read(Path root) {
        Map<String, String> os = keyValues(text(root.resolve("etc/os-release")), '=');
        Map<String, String> mem = keyValues(text(root.resolve("proc/meminfo")), ':');
        String cpuinfo = text(root.resolve("proc/cpuinfo"));
        String model = "";
        int cpus = 0;
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("processor")) cpus++;
            if (model.isEmpty() && line.startsWith("model name")) model = line.substring(line.indexOf(':') + 1).trim();
        }
        if (cpus == 0) cpus = Runtime.getRuntime().availableProcessors();
        String[] load = text(root.resolve("proc/loadavg")).trim().split("\\s+");
        String[] up = text(root.resolve("proc/uptime")).trim().split("\\s+");
        return new SystemInfo(unquote(os.getOrDefault("NAME", "")), unquote(os.getOrDefault("VERSION_ID", "")),
                text(root.resolve("proc/sys/kernel/osrelease")).trim(), model, cpus,
                kib(mem, "MemTotal"), kib(mem, "MemAvailable"), kib(mem, "MemFree"), kib(mem, "SwapTotal"),
                kib(mem, "SwapFree"), number(load, 0), number(load, 1), number(load, 2), (long) number(up, 0), mountedDisks());
    }

    private static List<Disk> mountedDisks() {
        List<Disk> out = new ArrayList<>();
        for (FileStore store : FileSystems.getDefault().getFileStores()) {
            String name = store.name();
            if (!name.startsWith("/dev/")) continue;
            String text = store.toString(); // "<mount point> (<device>)"
            int paren = text.lastIndexOf(" (");
            String mount = paren > 0 ? text.substring(0, paren) : text;
            try {
                out.add(new Disk(name.substring("/dev/".length()), mount, store.getTotalSpace(), store.getUsableSpace()));
            } catch (IOException e) {
                // a store that cannot be asked is left out
            }
            if (out.size() >= 32) break;
        }
        return out;
    }

    private static String text(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_FILE_BYTES), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static Map<String, String> keyValues(String text, char separator) {
        Map<String, String> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            int i = line.indexOf(separator);
            if (i > 0) out.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
        }
        return out;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    private static long kib(Map<String, String> mem, String key) {
        String v = mem.getOrDefault(key, "0").replace("kB", "").trim();
        try {
            return Long.parseLong(v) * 1024;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double number(String[] parts, int i) {
        try {
            return i < parts.length ? Double.parseDouble(parts[i]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
