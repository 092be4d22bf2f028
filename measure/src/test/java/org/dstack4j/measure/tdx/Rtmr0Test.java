package org.dstack4j.measure.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.measure.Fixtures;
import org.dstack4j.measure.MeasureInputException;
import org.junit.jupiter.api.Test;

/** RTMR0-2 events against the MPC production event log (near/mpc tcb_info.json, dstack 0.5.8, 8 vCPU, 64 GiB, QEMU 8.2.2). */
class Rtmr0Test {
    private static final HexFormat HEX = HexFormat.of();

    private static List<JsonNode> prodEvents(int imr) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : Fixtures.prodTcbInfo().get("event_log")) if (e.get("imr").asInt() == imr) out.add(e);
        return out;
    }

    private static AcpiProfile mpc() {
        return AcpiProfile.named("mpc-8vcpu-64g-qemu-8.2.2").orElseThrow();
    }

    @Test
    void reproducesTheMpcProductionRtmr0EventByEvent() throws Exception {
        Tdvf fw = Tdvf.parse(DebianOvmf.read(DebianOvmf.OVMF_FD), "OVMF.fd");
        AcpiTables acpi = mpc().tablesFor(8, 64L << 30, QemuVersion.parse("8.2.2"));
        List<MeasuredEvent> ours = TdxMeasurer.rtmr0(fw, 64L << 30, acpi);
        List<JsonNode> log = prodEvents(0);
        assertThat(ours).hasSize(log.size());
        for (int i = 0; i < ours.size(); i++) {
            assertThat(HEX.formatHex(ours.get(i).digest())).as("RTMR0 event " + i + " " + ours.get(i).what())
                    .isEqualTo(log.get(i).get("digest").asText());
            assertThat(ours.get(i).eventType()).isEqualTo(log.get(i).get("event_type").asLong());
        }
        String rtmr0 = HEX.formatHex(Measurement.replay(ours));
        assertThat(rtmr0).startsWith("e673be2f").isEqualTo(Fixtures.prodTcbInfo().get("rtmr0").asText())
                .isEqualTo(Fixtures.vectors().at("/mpc_prod_0_5_8_8vcpu_64G_qemu_8_2_2/rtmr0").asText())
                .isEqualTo(Fixtures.vectors().at("/mpc_dev_0_5_8_8vcpu_64G_qemu_8_2_2/rtmr0").asText());
        for (Fixtures.Capture c : Fixtures.captures()) assertThat(c.tcbInfo().get("rtmr0").asText()).isEqualTo(rtmr0);
    }

    @Test
    void efiVariableAndBootEventsAreTheLoggedPayloadsHashed() {
        // The log's payloads are the UEFI_VARIABLE_DATA TDVF measured; ours are built from name and GUID only.
        for (JsonNode e : prodEvents(0)) {
            byte[] payload = HEX.parseHex(e.get("event_payload").asText());
            if (e.get("event_type").asLong() == TdxMeasurer.EV_EFI_VARIABLE_DRIVER_CONFIG) {
                assertThat(HEX.formatHex(Sha384.of(payload))).isEqualTo(e.get("digest").asText());
            }
            if (e.get("event_type").asLong() == TdxMeasurer.EV_EFI_VARIABLE_BOOT) {
                ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
                int nameChars = (int) b.getLong(16);
                int dataLen = (int) b.getLong(24);
                String name = new String(payload, 32, nameChars * 2, StandardCharsets.UTF_16LE);
                byte[] data = java.util.Arrays.copyOfRange(payload, 32 + nameChars * 2, 32 + nameChars * 2 + dataLen);
                if (name.equals("Boot0000")) assertThat(data).isEqualTo(EfiEvents.BOOT0000_LOAD_OPTION);
                if (name.equals("BootOrder")) assertThat(data).isEqualTo(new byte[2]);
            }
        }
    }

    @Test
    void acpiLoaderAndRsdpFollowFromTheLayoutForBothRecordedMachines() throws Exception {
        JsonNode fixture = Fixtures.vectors().get("dstack_0_6_0_fixture_2vcpu_2G_qemu_8_2_2");
        AcpiLayout small = layout(fixture.get("acpi_layout_derived"));
        assertThat(HEX.formatHex(Sha384.of(small.loader()))).isEqualTo(fixture.get("acpi_loader_digest").asText());
        assertThat(HEX.formatHex(Sha384.of(small.rsdp()))).isEqualTo(fixture.get("acpi_rsdp_digest").asText());
        AcpiLayout prod = layout(Fixtures.vectors().at("/mpc_prod_0_5_8_8vcpu_64G_qemu_8_2_2/acpi_layout_derived"));
        assertThat(prod.tables().keySet()).isEqualTo(mpc().tables().layout().tables().keySet());
        assertThat(prod.loader()).isEqualTo(mpc().tables().layout().loader());
        assertThat(small.loader()).isNotEqualTo(prod.loader());
    }

    @Test
    void aTablesBlobIsScannedIntoTheSameLayoutAndDigest() throws Exception {
        AcpiLayout prod = mpc().tables().layout();
        int total = prod.tables().values().stream().mapToInt(t -> t[0] + t[1]).max().orElseThrow();
        byte[] blob = new byte[total + 100]; // QEMU pads the blob; the padding is part of what is hashed
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        prod.tables().forEach((sig, t) -> {
            System.arraycopy(sig.getBytes(StandardCharsets.US_ASCII), 0, blob, t[0], 4);
            b.putInt(t[0] + 4, t[1]);
        });
        AcpiTables scanned = AcpiTables.fromBlob(blob, "blob");
        assertThat(scanned.layout().loader()).isEqualTo(prod.loader());
        assertThat(scanned.rsdpDigest()).isEqualTo(mpc().tables().rsdpDigest());
        assertThat(scanned.tablesDigest()).isEqualTo(Sha384.of(blob));
        byte[] noApic = blob.clone();
        System.arraycopy("XXXX".getBytes(StandardCharsets.US_ASCII), 0, noApic, prod.tables().get("APIC")[0], 4);
        assertThatThrownBy(() -> AcpiTables.fromBlob(noApic, "noapic.bin")).isInstanceOf(MeasureInputException.class)
                .hasMessageContaining("no APIC");
    }

    @Test
    void theProfileAppliesOnlyToItsMachine() throws Exception {
        assertThatThrownBy(() -> mpc().tablesFor(4, 64L << 30, QemuVersion.parse("8.2.2"))).isInstanceOf(MeasureInputException.class)
                .hasMessageContaining("for 8 vCPUs, 64 GiB, QEMU 8.2.2");
        assertThatThrownBy(() -> mpc().tablesFor(8, 64L << 30, QemuVersion.parse("9.1.0"))).isInstanceOf(MeasureInputException.class);
        assertThatThrownBy(() -> mpc().tablesFor(8, 32L << 30, QemuVersion.parse("8.2.2"))).isInstanceOf(MeasureInputException.class);
    }

    @Test
    void rtmr1FixedEventsAndRtmr2OrderMatchTheProductionLog() {
        List<JsonNode> log1 = prodEvents(1);
        List<MeasuredEvent> fixed = TdxMeasurer.bootServiceEvents();
        assertThat(log1).hasSize(fixed.size() + 1);
        for (int i = 0; i < fixed.size(); i++) {
            assertThat(HEX.formatHex(fixed.get(i).digest())).as(fixed.get(i).what()).isEqualTo(log1.get(i + 1).get("digest").asText());
        }
        // RTMR1 and RTMR2 as the registers the log's digests extend to (kernel, cmdline and initrd are not in the fixtures).
        List<JsonNode> log2 = prodEvents(2);
        List<MeasuredEvent> r2 = List.of(
                new MeasuredEvent(2, 6, "cmdline", HEX.parseHex(log2.get(0).get("digest").asText()), "log"),
                new MeasuredEvent(2, 6, "initrd", HEX.parseHex(log2.get(1).get("digest").asText()), "log"));
        assertThat(HEX.formatHex(Measurement.replay(r2))).isEqualTo(Fixtures.prodTcbInfo().get("rtmr2").asText());
        List<MeasuredEvent> r1 = new ArrayList<>();
        r1.add(new MeasuredEvent(1, 0x80000003L, "kernel", HEX.parseHex(log1.get(0).get("digest").asText()), "log"));
        r1.addAll(fixed);
        assertThat(HEX.formatHex(Measurement.replay(r1))).isEqualTo(Fixtures.prodTcbInfo().get("rtmr1").asText());
    }

    @Test
    void commandLineIsUtf16WithInitrdAppendedAndANul() {
        MeasuredEvent cmd = TdxMeasurer.rtmr2("console=ttyS0", new byte[48]).get(0);
        assertThat(cmd.digest()).isEqualTo(Sha384.of("console=ttyS0 initrd=initrd\0".getBytes(StandardCharsets.UTF_16LE)));
        assertThat(TdxMeasurer.rtmr2("console=ttyS1", new byte[48]).get(0).digest()).isNotEqualTo(cmd.digest());
    }

    @Test
    void keyProviderEventIsTheVector() throws Exception {
        JsonNode v = Fixtures.vectors().get("key_provider_event");
        String payload = v.get("payload").asText();
        String id = Fixtures.JSON.readTree(payload).get("id").asText();
        assertThat(KeyProviderEvent.payload("local-sgx:" + id)).isEqualTo(payload);
        assertThat(HEX.formatHex(KeyProviderEvent.digest("local-sgx:" + id.toUpperCase()))).isEqualTo(v.get("digest").asText());
        for (String bad : List.of("kms:" + id, "local-sgx:" + id.substring(2), "local-sgx", "local-sgx:" + "zz".repeat(32))) {
            assertThatThrownBy(() -> KeyProviderEvent.digest(bad)).isInstanceOf(MeasureInputException.class).hasMessageContaining("--key-provider");
        }
    }

    @Test
    void qemuVersions() throws Exception {
        assertThat(QemuVersion.parse("8.2.2").twoPass()).isTrue();
        assertThat(QemuVersion.parse("9.1.0").twoPass()).isFalse();
        for (String bad : List.of("7.2.0", "8.2", "eight", "", "8.2.2-rc1")) {
            assertThatThrownBy(() -> QemuVersion.parse(bad)).isInstanceOf(MeasureInputException.class).hasMessageContaining("--qemu-version");
        }
    }

    private static AcpiLayout layout(JsonNode j) {
        Map<String, int[]> m = new LinkedHashMap<>();
        j.fields().forEachRemaining(e -> {
            if (e.getValue().isArray()) m.put(e.getKey(), new int[] {e.getValue().get(0).asInt(), e.getValue().get(1).asInt()});
        });
        return new AcpiLayout(m);
    }
}
