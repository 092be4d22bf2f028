package org.dstack4j.cluster.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.dstack4j.chain.Keccak;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.sdk.EventLogEntry;

/**
 * The policy a governor sets to admit a simulated CVM, computed from what its agent reports (the profile's registers,
 * the key-provider digest from {@code Info}'s event log, the compose text) rather than by the code under test.
 */
public final class NodePolicy {
    private NodePolicy() {}

    public static List<Map.Entry<PolicyKind, byte[]>> of(SimulatedCvm cvm) throws Exception {
        // Info's event log: GetQuote blanks RTMR3 digests, as the real agent does
        EventLogEntry kp = cvm.client().info().tcbInfo().eventLog().stream()
                .filter(e -> e.imr() == 3 && e.event().equals("key-provider")).findFirst().orElseThrow();
        var p = cvm.profile();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        return List.of(
                Map.entry(PolicyKind.DCAP_ROOT, sha.digest(cvm.testRoot().getEncoded())),
                Map.entry(PolicyKind.TCB_STATUS, Keccak.keccak256("UpToDate".getBytes(StandardCharsets.UTF_8))),
                Map.entry(PolicyKind.MEASUREMENT, Keccak.keccak256(p.mrtd(), p.rtmr0(), p.rtmr1(), p.rtmr2(), HexFormat.of().parseHex(kp.digest()))),
                Map.entry(PolicyKind.COMPOSE_HASH, sha.digest(cvm.compose().getBytes(StandardCharsets.UTF_8))),
                Map.entry(PolicyKind.LAUNCHER_COMPOSE_HASH, sha.digest(SimulatedCvm.LAUNCHER_COMPOSE.getBytes(StandardCharsets.UTF_8))));
    }

    /** An in-memory policy allowing exactly {@link #of}. */
    public static MapPolicy mapPolicy(SimulatedCvm cvm) throws Exception {
        MapPolicy m = new MapPolicy();
        for (var e : of(cvm)) m.allow(e.getKey(), e.getValue());
        return m;
    }
}
