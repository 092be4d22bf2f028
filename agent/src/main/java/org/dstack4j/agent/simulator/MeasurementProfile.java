package org.dstack4j.agent.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.dstack4j.agent.pki.PckTcb;
import org.dstack4j.agent.quote.QeReport;
import org.dstack4j.sdk.EventLogEntry;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * The static measurements a simulated TD reports: MRTD, RTMR0–2 with their boot event log, the TD
 * report's fixed fields, the QE identity, the PCK certificate's TCB and VM facts. The default
 * ({@link #defaults()}) is copied from a real MPC node's attestation (see its {@code "source"}).
 *
 * <p>JSON form: see {@code org/dstack4j/agent/simulator/default-measurements.json}. Loading checks
 * sizes, that RTMR0–2 equal the replay of the boot event log, and that td_attributes has the DEBUG bit clear.
 *
 * @param source                 where the values come from
 * @param mrtd                   48 bytes
 * @param rtmr0                  48 bytes
 * @param rtmr1                  48 bytes
 * @param rtmr2                  48 bytes
 * @param bootEventLog           RTMR0–2 events with digests
 * @param osImageHash            32 bytes
 * @param deviceId               32 bytes
 * @param localSgxKeyProviderId  id in the {@code key-provider} event for the local SGX key provider
 * @param storageFs              default {@code storage-fs} payload when the app-compose names none
 * @param teeTcbSvn              16 bytes
 * @param mrSeam                 48 bytes
 * @param mrSignerSeam           48 bytes
 * @param seamAttributes         8 bytes
 * @param tdAttributes           8 bytes, DEBUG bit clear
 * @param xfam                   8 bytes
 * @param mrOwner                48 bytes
 * @param mrOwnerConfig          48 bytes
 * @param qeSvn                  quote header qe_svn
 * @param pceSvn                 quote header pce_svn
 * @param qeReport               QE identity
 * @param qeAuthData             QE authentication data
 * @param pckTcb                 TCB stated by the PCK certificate
 * @param vmConfig               VM config JSON text (compact)
 * @param cloudVendor            {@code Info.cloud_vendor}
 * @param cloudProduct           {@code Info.cloud_product}
 */
public record MeasurementProfile(String source, byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2,
        List<EventLogEntry> bootEventLog, byte[] osImageHash, byte[] deviceId, String localSgxKeyProviderId,
        String storageFs, byte[] teeTcbSvn, byte[] mrSeam, byte[] mrSignerSeam, byte[] seamAttributes,
        byte[] tdAttributes, byte[] xfam, byte[] mrOwner, byte[] mrOwnerConfig, int qeSvn, int pceSvn,
        QeReport qeReport, byte[] qeAuthData, PckTcb pckTcb, String vmConfig, String cloudVendor,
        String cloudProduct) {

    private static final String DEFAULT_RESOURCE = "default-measurements.json";
    private static final long MAX_PROFILE_BYTES = 4L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public MeasurementProfile {
        bootEventLog = List.copyOf(bootEventLog);
        mrtd = mrtd.clone();
        rtmr0 = rtmr0.clone();
        rtmr1 = rtmr1.clone();
        rtmr2 = rtmr2.clone();
        osImageHash = osImageHash.clone();
        deviceId = deviceId.clone();
        teeTcbSvn = teeTcbSvn.clone();
        mrSeam = mrSeam.clone();
        mrSignerSeam = mrSignerSeam.clone();
        seamAttributes = seamAttributes.clone();
        tdAttributes = tdAttributes.clone();
        xfam = xfam.clone();
        mrOwner = mrOwner.clone();
        mrOwnerConfig = mrOwnerConfig.clone();
        qeAuthData = qeAuthData.clone();
    }

    @Override public byte[] mrtd() { return mrtd.clone(); }
    @Override public byte[] rtmr0() { return rtmr0.clone(); }
    @Override public byte[] rtmr1() { return rtmr1.clone(); }
    @Override public byte[] rtmr2() { return rtmr2.clone(); }
    @Override public byte[] osImageHash() { return osImageHash.clone(); }
    @Override public byte[] deviceId() { return deviceId.clone(); }
    @Override public byte[] teeTcbSvn() { return teeTcbSvn.clone(); }
    @Override public byte[] mrSeam() { return mrSeam.clone(); }
    @Override public byte[] mrSignerSeam() { return mrSignerSeam.clone(); }
    @Override public byte[] seamAttributes() { return seamAttributes.clone(); }
    @Override public byte[] tdAttributes() { return tdAttributes.clone(); }
    @Override public byte[] xfam() { return xfam.clone(); }
    @Override public byte[] mrOwner() { return mrOwner.clone(); }
    @Override public byte[] mrOwnerConfig() { return mrOwnerConfig.clone(); }
    @Override public byte[] qeAuthData() { return qeAuthData.clone(); }

    /** The built-in profile (values from the 2026-08-14 MPC attestation fixture). */
    public static MeasurementProfile defaults() {
        try (InputStream in = MeasurementProfile.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the agent jar");
            }
            return parse(in.readAllBytes(), "built-in " + DEFAULT_RESOURCE);
        } catch (IOException | ProfileException e) {
            throw new IllegalStateException("built-in measurement profile is broken: " + e.getMessage(), e);
        }
    }

    /**
     * Loads a profile file.
     *
     * @throws ProfileException naming the file and the bad field
     */
    public static MeasurementProfile load(Path file) throws ProfileException {
        try {
            if (Files.size(file) > MAX_PROFILE_BYTES) {
                throw new ProfileException("measurement profile " + file + " is larger than 4 MiB");
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ProfileException("cannot read measurement profile " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses profile JSON.
     *
     * @param origin names the input in error messages
     * @throws ProfileException naming the origin and the bad field
     */
    public static MeasurementProfile parse(byte[] json, String origin) throws ProfileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProfileException("measurement profile " + origin + " is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProfileException("cannot read measurement profile " + origin, e);
        }
        Fields f = new Fields(root, origin);
        List<EventLogEntry> boot = new ArrayList<>();
        JsonNode log = f.node(root, "boot_event_log");
        if (!log.isArray()) {
            throw f.bad("boot_event_log", "must be an array of events");
        }
        for (JsonNode e : log) {
            EventLogEntry entry;
            try {
                entry = JSON.treeToValue(e, EventLogEntry.class);
            } catch (JsonProcessingException ex) {
                throw f.bad("boot_event_log", "has a malformed event: " + ex.getOriginalMessage());
            }
            if (entry.imr() < 0 || entry.imr() > 2) {
                throw f.bad("boot_event_log", "may only hold RTMR0–2 events (imr 0..2), found imr " + entry.imr());
            }
            if (entry.digest() == null || !entry.digest().matches("[0-9a-f]{96}")) {
                throw f.bad("boot_event_log", "event digests must be 96 lowercase hex chars");
            }
            boot.add(entry);
        }
        JsonNode td = f.node(root, "td_report");
        JsonNode qe = f.node(root, "qe_report");
        JsonNode pck = f.node(root, "pck");
        JsonNode header = f.node(root, "quote_header");
        List<Integer> comps = new ArrayList<>();
        JsonNode compNode = f.node(pck, "sgx_tcb_comp_svns");
        for (JsonNode c : compNode) {
            comps.add(c.asInt());
        }
        if (comps.size() != 16) {
            throw f.bad("pck.sgx_tcb_comp_svns", "must list 16 SVNs");
        }
        JsonNode vm = f.node(root, "vm_config");
        if (!vm.isObject()) {
            throw f.bad("vm_config", "must be a JSON object");
        }
        MeasurementProfile p;
        try {
            p = new MeasurementProfile(f.text(root, "source"), f.hex(root, "mrtd", 48), f.hex(root, "rtmr0", 48),
                    f.hex(root, "rtmr1", 48), f.hex(root, "rtmr2", 48), boot, f.hex(root, "os_image_hash", 32),
                    f.hex(root, "device_id", 32), HexFormat.of().formatHex(f.hex(root, "local_sgx_key_provider_id", 32)),
                    f.text(root, "storage_fs"), f.hex(td, "tee_tcb_svn", 16), f.hex(td, "mr_seam", 48),
                    f.hex(td, "mr_signer_seam", 48), f.hex(td, "seam_attributes", 8), f.hex(td, "td_attributes", 8),
                    f.hex(td, "xfam", 8), f.hex(td, "mr_owner", 48), f.hex(td, "mr_owner_config", 48),
                    f.u16(header, "qe_svn"), f.u16(header, "pce_svn"),
                    new QeReport(f.hex(qe, "cpu_svn", 16), f.hex(qe, "misc_select", 4), f.hex(qe, "attributes", 16),
                            f.hex(qe, "mr_enclave", 32), f.hex(qe, "mr_signer", 32), f.u16(qe, "isv_prod_id"),
                            f.u16(qe, "isv_svn")),
                    f.hex(root, "qe_auth_data", -1),
                    new PckTcb(f.hex(pck, "fmspc", 6), f.hex(pck, "pce_id", 2), f.hex(pck, "cpu_svn", 16),
                            f.u16(pck, "pce_svn"), comps, f.u16(pck, "sgx_type")),
                    JSON.writeValueAsString(vm), f.text(root, "cloud_vendor"), f.text(root, "cloud_product"));
        } catch (JsonProcessingException e) {
            throw f.bad("vm_config", "cannot be serialized");
        }
        if ((p.tdAttributes[0] & 1) != 0) {
            throw f.bad("td_report.td_attributes", "has the DEBUG bit (bit 0) set; the simulator only models production TDs");
        }
        byte[][] rtmrs = {p.rtmr0, p.rtmr1, p.rtmr2};
        for (int i = 0; i < 3; i++) {
            if (!RuntimeEvents.sameRegister(RuntimeEvents.replay(p.bootEventLog, i), rtmrs[i])) {
                throw f.bad("rtmr" + i, "does not equal the replay of boot_event_log for imr " + i);
            }
        }
        return p;
    }

    /** Field readers that name the origin and field in errors. */
    private record Fields(JsonNode root, String origin) {
        JsonNode node(JsonNode parent, String name) throws ProfileException {
            JsonNode n = parent.get(name);
            if (n == null || n.isNull()) {
                throw bad(name, "is missing");
            }
            return n;
        }

        String text(JsonNode parent, String name) throws ProfileException {
            JsonNode n = node(parent, name);
            if (!n.isTextual()) {
                throw bad(name, "must be a string");
            }
            return n.asText();
        }

        int u16(JsonNode parent, String name) throws ProfileException {
            JsonNode n = node(parent, name);
            if (!n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 0xffff) {
                throw bad(name, "must be an integer 0..65535");
            }
            return n.asInt();
        }

        /** @param size expected byte length, or -1 for any length up to 64 KiB */
        byte[] hex(JsonNode parent, String name, int size) throws ProfileException {
            String s = text(parent, name);
            byte[] b;
            try {
                b = HexFormat.of().parseHex(s);
            } catch (IllegalArgumentException e) {
                throw bad(name, "must be hex");
            }
            if (size >= 0 && b.length != size) {
                throw bad(name, "must be " + size + " bytes, got " + b.length);
            }
            if (b.length > 0xffff) {
                throw bad(name, "must be at most 65535 bytes");
            }
            return b;
        }

        ProfileException bad(String field, String why) {
            return new ProfileException("measurement profile " + origin + ": field " + field + " " + why);
        }
    }
}
