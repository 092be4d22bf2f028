package org.dstack4j.measure.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.measure.MeasureInputException;

/**
 * A shipped ACPI profile: QEMU's tables blob cannot be produced without QEMU, so for a known configuration
 * this carries the table layout (offsets and lengths, from which the loader and RSDP are rebuilt) and the
 * tables blob's SHA-384, both taken from a real event log that the profile cites. A profile applies only to
 * its vCPU count, memory size and QEMU version.
 *
 * @param name         profile name ({@code mpc-8vcpu-64g-qemu-8.2.2})
 * @param cpus         vCPUs
 * @param memoryBytes  guest RAM, bytes
 * @param qemuVersion  QEMU version
 * @param tables       layout and tables digest
 * @param checkedAgainst the event log the values were checked against
 */
public record AcpiProfile(String name, int cpus, long memoryBytes, String qemuVersion, AcpiTables tables, String checkedAgainst) {
    private static final String RESOURCE = "acpi-profiles.json";

    /** Every shipped profile. */
    public static List<AcpiProfile> all() {
        try (InputStream in = AcpiProfile.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the measure jar");
            List<AcpiProfile> out = new ArrayList<>();
            for (JsonNode p : new ObjectMapper().readTree(in).get("profiles")) {
                Map<String, int[]> layout = new LinkedHashMap<>();
                p.get("layout").fields().forEachRemaining(e -> layout.put(e.getKey(), new int[] {e.getValue().get(0).asInt(), e.getValue().get(1).asInt()}));
                String source = p.get("checked_against").asText();
                out.add(new AcpiProfile(p.get("name").asText(), p.get("cpus").asInt(), p.get("memory_bytes").asLong(),
                        p.get("qemu_version").asText(),
                        new AcpiTables(new AcpiLayout(layout), HexFormat.of().parseHex(p.get("tables_sha384").asText()),
                                "profile " + p.get("name").asText()),
                        source));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new IllegalStateException(RESOURCE + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** The profile of this name. */
    public static Optional<AcpiProfile> named(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * The profile's tables, if it was recorded for this machine.
     *
     * @throws MeasureInputException if the vCPUs, memory or QEMU version differ from the profile's
     */
    public AcpiTables tablesFor(int cpus, long memoryBytes, QemuVersion qemu) throws MeasureInputException {
        if (cpus != this.cpus || memoryBytes != this.memoryBytes || !qemu.text().equals(qemuVersion)) {
            throw new MeasureInputException("--acpi-profile " + name + " is for " + this.cpus + " vCPUs, " + memoryBytes(this.memoryBytes)
                    + ", QEMU " + qemuVersion + ", not " + cpus + " vCPUs, " + memoryBytes(memoryBytes) + ", QEMU " + qemu.text()
                    + "; pass --acpi-tables FILE for other machines");
        }
        return tables;
    }

    private static String memoryBytes(long b) {
        return b % (1L << 30) == 0 ? (b >> 30) + " GiB" : b + " bytes";
    }
}
