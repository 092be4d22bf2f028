package org.dstack4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.dstack4j.measure.tdx.Tdvf;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dstack4j measure} on an image directory built from Debian's OVMF.fd (same TDVF layout as dstack's),
 * a generated PE32+ kernel and initrd: RTMR0 must be the MPC production value, RTMR2 the replay of the
 * command line and initrd computed here.
 */
class MeasureCliTest {
    private static final Path DEBIAN_OVMF = Path.of("/usr/share/ovmf/OVMF.fd");
    private static final String CMDLINE = "console=ttyS0 init=/init panic=1 dstack.rootfs_hash=" + "ab".repeat(32) + " dstack.rootfs_size=4096";
    private static final String PROFILE = "mpc-8vcpu-64g-qemu-8.2.2";

    @TempDir
    Path tmp;

    Path dir;

    @BeforeEach
    void imageDir() throws Exception {
        dir = Files.createDirectories(tmp.resolve("img"));
        Files.copy(DEBIAN_OVMF, dir.resolve("ovmf.fd"));
        Files.write(dir.resolve("bzImage"), kernel());
        byte[] initrd = new byte[70_000];
        new Random(9).nextBytes(initrd);
        Files.write(dir.resolve("initramfs.cpio.gz"), initrd);
        Files.writeString(dir.resolve("metadata.json"), "{\"bios\":\"ovmf.fd\",\"kernel\":\"bzImage\",\"initrd\":\"initramfs.cpio.gz\","
                + "\"cmdline\":\"" + CMDLINE + "\"}");
    }

    /** A PE32+ image (one section) with a boot protocol 2.15 setup header: enough for QEMU's patch and Authenticode. */
    private static byte[] kernel() {
        byte[] k = new byte[0x3000];
        new Random(3).nextBytes(k);
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x3c, 0x80).putInt(0x80, 0x4550).putShort(0x86, (short) 1).putShort(0x94, (short) 240).putShort(0x98, (short) 0x20b);
        b.putInt(0x98 + 60, 0x1000).putLong(0x98 + 144, 0L);
        b.putInt(0x98 + 240 + 16, 0x2000).putInt(0x98 + 240 + 20, 0x1000);
        b.putShort(0x206, (short) 0x20f).put(0x211, (byte) 1).putShort(0x236, (short) 0);
        return k;
    }

    private CliRun measure(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("measure", "--metadata", dir.resolve("metadata.json").toString(),
                "--cpus", "8", "--memory", "64G", "--qemu-version", "8.2.2"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void theMpcConfigurationGivesTheProductionRtmr0() throws Exception {
        JsonNode vectors = new ObjectMapper().readTree(CliRun.fixtures().resolve("operator/vectors.json").toFile());
        JsonNode prod = vectors.get("mpc_prod_0_5_8_8vcpu_64G_qemu_8_2_2");
        JsonNode kpVector = vectors.get("key_provider_event");
        String mrEnclave = new ObjectMapper().readTree(kpVector.get("payload").asText()).get("id").asText();
        CliRun r = measure("--acpi-profile", PROFILE, "--key-provider", "local-sgx:" + mrEnclave, "--output", "json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("rtmr0").asText()).isEqualTo(prod.get("rtmr0").asText());
        assertThat(j.get("key_provider_event_digest").asText()).isEqualTo(kpVector.get("digest").asText());
        assertThat(j.get("mrtd").asText()).isEqualTo(HexFormat.of().formatHex(
                Tdvf.parse(Files.readAllBytes(DEBIAN_OVMF), "OVMF.fd").mrtd(true)));
        assertThat(j.get("rtmr2").asText()).isEqualTo(rtmr2(CMDLINE, Files.readAllBytes(dir.resolve("initramfs.cpio.gz"))));
        assertThat(j.get("rtmr1").asText()).hasSize(96).isNotEqualTo(prod.get("rtmr1").asText());
        List<String> keys = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("mrtd", "rtmr0", "rtmr1", "rtmr2", "key_provider_event_digest");

        CliRun single = CliRun.of("measure", "--metadata", dir.resolve("metadata.json").toString(), "--cpus", "8", "--memory", "64G",
                "--acpi-tables", acpiBlob().toString());
        assertThat(single.status()).as(single.err()).isZero();
        assertThat(single.field("MRTD:")).isNotEqualTo(j.get("mrtd").asText()); // QEMU 9.1.0 default: single-pass
    }

    @Test
    void explainListsEveryEventTheWayAnEventLogDoes() {
        CliRun r = measure("--acpi-profile", PROFILE, "--explain");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("RTMR"))).hasSize(13 + 5 + 2 + 3);
        assertThat(r.out()).contains("RTMR0  0x8000000b  8ae1e425351df799").contains("TD HOB")
                .contains("RTMR2  0x00000006").contains("initrd=initrd");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        byte[] fw = Files.readAllBytes(DEBIAN_OVMF);
        Path truncated = Files.createDirectories(tmp.resolve("cut"));
        Files.write(truncated.resolve("ovmf.fd"), Arrays.copyOf(fw, fw.length - 8192));
        Path noTdvf = Files.createDirectories(tmp.resolve("notdx"));
        Files.copy(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), noTdvf.resolve("ovmf.fd"));
        for (Path d : List.of(truncated, noTdvf)) {
            Files.copy(dir.resolve("bzImage"), d.resolve("bzImage"));
            Files.copy(dir.resolve("initramfs.cpio.gz"), d.resolve("initramfs.cpio.gz"));
        }
        record Case(String why, String expect, String[] args) {}
        List<Case> cases = List.of(
                new Case("truncated OVMF", "truncated", new String[] {"--image-dir", truncated.toString(), "--acpi-profile", PROFILE}),
                new Case("no TDVF table", "no TDX metadata", new String[] {"--image-dir", noTdvf.toString(), "--acpi-profile", PROFILE}),
                new Case("unknown profile", "--acpi-profile", new String[] {"--acpi-profile", "nope"}),
                new Case("bad key provider", "--key-provider", new String[] {"--acpi-profile", PROFILE, "--key-provider", "kms:00"}));
        for (Case c : cases) {
            CliRun r = measure(c.args());
            assertThat(r.status()).as(c.why() + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(c.why()).doesNotContain("\n").startsWith("dstack4j measure: ").contains(c.expect());
        }
        CliRun qemu = CliRun.of("measure", "--metadata", dir.resolve("metadata.json").toString(), "--cpus", "8", "--memory", "64G",
                "--qemu-version", "7.2.0", "--acpi-profile", PROFILE);
        assertThat(qemu.status()).isEqualTo(2);
        assertThat(qemu.err().strip()).doesNotContain("\n").contains("--qemu-version 7.2.0 is unknown");
        CliRun mem = CliRun.of("measure", "--metadata", dir.resolve("metadata.json").toString(), "--cpus", "8", "--memory", "lots",
                "--acpi-profile", PROFILE);
        assertThat(mem.status()).isEqualTo(2);
        assertThat(mem.err().strip()).doesNotContain("\n").contains("--memory must be a size");
        CliRun noAcpi = CliRun.of("measure", "--metadata", dir.resolve("metadata.json").toString(), "--cpus", "8", "--memory", "64G");
        assertThat(noAcpi.status()).isEqualTo(2);
    }

    private Path acpiBlob() throws Exception {
        byte[] blob = new byte[1024];
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        for (String sig : List.of("FACS", "DSDT", "FACP", "APIC", "MCFG", "WAET", "RSDT")) {
            b.put(off, sig.getBytes(StandardCharsets.US_ASCII)).putInt(off + 4, 100);
            off += 100;
        }
        Path p = tmp.resolve("tables.bin");
        Files.write(p, blob);
        return p;
    }

    private static String rtmr2(String cmdline, byte[] initrd) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-384");
        byte[] c = sha.digest((cmdline + " initrd=initrd\0").getBytes(StandardCharsets.UTF_16LE));
        byte[] i = sha.digest(initrd);
        byte[] r = new byte[48];
        for (byte[] d : List.of(c, i)) {
            sha.update(r);
            sha.update(d);
            r = sha.digest();
        }
        return HexFormat.of().formatHex(r);
    }
}
