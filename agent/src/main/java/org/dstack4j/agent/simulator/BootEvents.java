package org.dstack4j.agent.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.policy.ClusterKeyProvider;
import org.dstack4j.agent.pki.SeedKdf;
import org.dstack4j.sdk.EventLogEntry;

/**
 * The RTMR3 events dstack emits while a CVM boots, in dstack's order and payload formats
 * (checked against real MPC attestations): {@code system-preparing} (empty), {@code app-id}
 * (20 bytes), {@code compose-hash} (32 bytes), {@code instance-id} (20 bytes or empty),
 * {@code boot-mr-done} (empty), {@code key-provider} (compact JSON {@code {"name":…,"id":…}}),
 * {@code storage-fs} (file system name), {@code system-ready} (empty).
 */
public final class BootEvents {
    /** Names of the boot events, in order; apps may not emit these. */
    public static final List<String> NAMES = List.of("system-preparing", "app-id", "compose-hash", "instance-id",
            "boot-mr-done", "key-provider", "storage-fs", "system-ready");

    private BootEvents() {}

    /**
     * Computes the boot events for an app-compose.
     *
     * <ul>
     *   <li>compose-hash = SHA-256(raw app-compose bytes); app-id = its first 20 bytes;</li>
     *   <li>instance-id = SHA-256(seed-derived instance secret ‖ app-id)[0..20], or empty with
     *       {@code "no_instance_id": true};</li>
     *   <li>key-provider: local → {@code local-sgx} with the profile's id; kms → {@code kms} with the
     *       simulated KMS root's compressed secp256k1 public key; none → {@code none} with "".</li>
     *   <li>storage-fs = app-compose {@code storage_fs}, else the profile's default.</li>
     * </ul>
     *
     * @throws ProfileException if the app-compose asks for something the simulator cannot provide
     *     (a TPM key provider, or a {@code key_provider_id} different from the simulated provider's)
     */
    public static List<EventLogEntry> compute(AppCompose compose, MeasurementProfile profile, SeedKdf kdf)
            throws ProfileException {
        return compute(compose, profile, kdf, Optional.empty());
    }

    /**
     * {@link #compute(AppCompose, MeasurementProfile, SeedKdf)}, except that in cluster mode the {@code key-provider}
     * event names the cluster ({@link ClusterKeyProvider#payloadJson}) whatever key provider the app-compose asks for:
     * the apps' keys come from the cluster, not from it.
     */
    public static List<EventLogEntry> compute(AppCompose compose, MeasurementProfile profile, SeedKdf kdf,
            Optional<ClusterKeyProvider> cluster) throws ProfileException {
        byte[] composeHash = compose.composeHash();
        byte[] appId = Arrays.copyOf(composeHash, 20);
        byte[] instanceId = compose.noInstanceId() ? new byte[0]
                : Arrays.copyOf(sha256(kdf.derive("instance-id-secret", 32), appId), 20);
        String keyProvider = cluster.isPresent() ? cluster.get().payloadJson() : switch (compose.keyProvider()) {
            case LOCAL -> keyProviderJson("local-sgx", profile.localSgxKeyProviderId(), compose);
            case KMS -> keyProviderJson("kms", kmsRootPublicKey(kdf), compose);
            case NONE -> keyProviderJson("none", "", compose);
            case TPM -> throw new ProfileException(
                    "app-compose asks for the tpm key provider, which the simulator does not model; "
                            + "use local_key_provider_enabled, kms_enabled or key_provider \"none\"");
        };
        String storageFs = compose.storageFs().orElse(profile.storageFs());
        return sequence(composeHash, instanceId, keyProvider, storageFs);
    }

    /**
     * The eight boot events from their facts, in dstack's order; shared by the simulator and the
     * Linux TDX backend, which differ only in where the facts come from.
     *
     * @param composeHash     32-byte SHA-256 of the raw app-compose.json (app-id = its first 20 bytes)
     * @param instanceId      20 bytes, or empty when the app-compose sets {@code no_instance_id}
     * @param keyProviderJson the {@code key-provider} payload, e.g. {@link #keyProviderJson(String, String)}
     * @param storageFs       the {@code storage-fs} payload, e.g. {@code ext4}
     */
    public static List<EventLogEntry> sequence(byte[] composeHash, byte[] instanceId, String keyProviderJson,
            String storageFs) {
        if (composeHash.length != 32 || (instanceId.length != 0 && instanceId.length != 20)) {
            throw new IllegalArgumentException("compose hash must be 32 bytes and instance id 20 bytes or empty");
        }
        return List.of(
                EventLogEntry.runtime("system-preparing", new byte[0]),
                EventLogEntry.runtime("app-id", Arrays.copyOf(composeHash, 20)),
                EventLogEntry.runtime("compose-hash", composeHash),
                EventLogEntry.runtime("instance-id", instanceId),
                EventLogEntry.runtime("boot-mr-done", new byte[0]),
                EventLogEntry.runtime("key-provider", keyProviderJson.getBytes(StandardCharsets.UTF_8)),
                EventLogEntry.runtime("storage-fs", storageFs.getBytes(StandardCharsets.UTF_8)),
                EventLogEntry.runtime("system-ready", new byte[0]));
    }

    /**
     * The {@code key-provider} payload: same bytes as dstack's serde output of
     * {@code KeyProviderInfo{name, id}}, i.e. {@code {"name":"<name>","id":"<id>"}}.
     *
     * @param name provider name ({@code local-sgx}, {@code kms} or {@code none}); plain ASCII
     * @param idHex provider id as lowercase hex, or ""
     */
    public static String keyProviderJson(String name, String idHex) {
        return "{\"name\":\"" + name + "\",\"id\":\"" + idHex + "\"}";
    }

    /** Same bytes as dstack's serde output of {@code KeyProviderInfo{name, id}}. */
    private static String keyProviderJson(String name, String idHex, AppCompose compose) throws ProfileException {
        if (!compose.keyProviderId().isEmpty() && !compose.keyProviderId().equals(idHex)) {
            throw new ProfileException("app-compose key_provider_id " + compose.keyProviderId()
                    + " does not match the simulated " + name + " key provider id " + idHex
                    + "; remove key_provider_id or set it to that value");
        }
        return keyProviderJson(name, idHex);
    }

    /** Hex of the simulated KMS root key's SEC1-compressed secp256k1 public key (33 bytes). */
    static String kmsRootPublicKey(SeedKdf kdf) {
        return HexFormat.of().formatHex(SimulatedKms.rootPublicKey(kdf));
    }

    private static byte[] sha256(byte[] a, byte[] b) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(a);
            sha.update(b);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
