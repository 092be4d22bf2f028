package org.dstack4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.Sizes;
import org.dstack4j.measure.tdx.AcpiProfile;
import org.dstack4j.measure.tdx.ImageMeasurer;
import org.dstack4j.measure.tdx.KeyProviderEvent;
import org.dstack4j.measure.tdx.MeasuredEvent;
import org.dstack4j.measure.tdx.Measurement;
import org.dstack4j.measure.tdx.QemuVersion;
import org.dstack4j.sdk.Hex;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dstack4j measure}: MRTD and RTMR0-2 of a dstack OS image on a given machine, as dstack-mr computes them. */
@Command(
        name = "measure",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"MRTD and RTMR0-2 a dstack CVM will report (dstack-mr's algorithm, dstack v0.5.8).",
            "Reads the image's metadata.json and the files it names; QEMU's ACPI tables come from a file or a",
            "shipped profile."},
        footer = {"", "Exit status: 0 measured, 2 bad input.", "",
            "Example (the MPC configuration):",
            "  dstack4j measure --metadata dstack-0.5.8/metadata.json --cpus 8 --memory 64G --qemu-version 8.2.2 \\",
            "      --acpi-profile mpc-8vcpu-64g-qemu-8.2.2 --key-provider local-sgx:<mr_enclave> --output json"})
public final class MeasureCommand implements Callable<Integer> {
    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--metadata", required = true, paramLabel = "FILE", description = "the image's metadata.json")
    Path metadata;

    @Option(names = "--image-dir", paramLabel = "DIR", description = "where ovmf.fd, bzImage, initramfs are (default: metadata.json's directory)")
    Path imageDir;

    @Option(names = "--cpus", required = true, paramLabel = "N", description = "vCPUs")
    int cpus;

    @Option(names = "--memory", required = true, paramLabel = "SIZE", description = "guest RAM, e.g. 64G")
    String memory;

    @Option(names = "--qemu-version", paramLabel = "X.Y.Z", defaultValue = "9.1.0",
            description = "the host's QEMU (8.x: two-pass MRTD). Default: ${DEFAULT-VALUE}, as dstack-mr")
    String qemuVersion;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Acpi acpi;

    static final class Acpi {
        @Option(names = "--acpi-tables", paramLabel = "FILE", description = "QEMU's etc/acpi/tables blob for this machine")
        Path tables;

        @Option(names = "--acpi-profile", paramLabel = "NAME", description = "a shipped profile: ${COMPLETION-CANDIDATES}",
                completionCandidates = Profiles.class)
        String profile;
    }

    static final class Profiles implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return AcpiProfile.all().stream().map(AcpiProfile::name).iterator();
        }
    }

    @Option(names = "--key-provider", paramLabel = "local-sgx:HEX", description = "also print the key-provider event digest (RTMR3)")
    String keyProvider;

    @Option(names = "--explain", description = "list every event with its digest, as an event log does")
    boolean explain;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
            description = "json: the contract's vote_add_os_measurement shape. Default: ${DEFAULT-VALUE}")
    Output output;

    @Override
    public Integer call() {
        return Cli.guard(spec, "measure", () -> {
            long mem = Sizes.bytes(memory, "--memory");
            QemuVersion qemu = QemuVersion.parse(qemuVersion);
            byte[] kp = keyProvider == null ? null : KeyProviderEvent.digest(keyProvider);
            ImageMeasurer.AcpiSource source = acpi.tables != null ? new ImageMeasurer.AcpiSource.BlobFile(acpi.tables)
                    : new ImageMeasurer.AcpiSource.Profile(acpi.profile);
            Measurement m = ImageMeasurer.measure(metadata, imageDir, cpus, mem, qemu, source);
            PrintWriter out = spec.commandLine().getOut();
            if (output == Output.json) {
                out.println(json(m, kp));
                return 0;
            }
            if (explain) {
                for (MeasuredEvent e : m.events()) {
                    out.printf("RTMR%d  0x%08x  %s  %s%n        %s%n", e.imr(), e.eventType(), Hex.encode(e.digest()), e.what(), e.source());
                }
                out.println();
            }
            out.println("MRTD:  " + m.mrtd());
            out.println("RTMR0: " + m.rtmr0());
            out.println("RTMR1: " + m.rtmr1());
            out.println("RTMR2: " + m.rtmr2());
            if (kp != null) out.println("key_provider_event_digest: " + Hex.encode(kp));
            return 0;
        });
    }

    private String json(Measurement m, byte[] kp) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = mapper.createObjectNode();
        o.put("mrtd", m.mrtd());
        o.put("rtmr0", m.rtmr0());
        o.put("rtmr1", m.rtmr1());
        o.put("rtmr2", m.rtmr2());
        if (kp != null) o.put("key_provider_event_digest", Hex.encode(kp));
        if (explain) {
            ArrayNode events = o.putArray("events");
            for (MeasuredEvent e : m.events()) {
                events.addObject().put("imr", e.imr()).put("event_type", e.eventType()).put("event", e.what())
                        .put("digest", Hex.encode(e.digest())).put("source", e.source());
            }
        }
        try {
            return mapper.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
