package org.dstack4j.attestation.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.TcbInfo;

/** The boot measurements (MRTD, RTMR0–2) and the key-provider event against the allowed measurement sets. */
final class MeasurementChecks {
    private static final String[] REGISTERS = {"mrtd", "rtmr0", "rtmr1", "rtmr2"};

    private MeasurementChecks() {}

    private static String[] quoteValues(TdReport r) {
        return new String[] {Hex.encode(r.mrTd()), Hex.encode(r.rtmr0()), Hex.encode(r.rtmr1()), Hex.encode(r.rtmr2())};
    }

    private static String[] setValues(MeasurementSet s) {
        return new String[] {s.mrtd(), s.rtmr0(), s.rtmr1(), s.rtmr2()};
    }

    private static List<String> differing(String[] a, String[] b) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < REGISTERS.length; i++) if (!a[i].equals(b[i])) out.add(REGISTERS[i]);
        return out;
    }

    /** The allowed sets whose MRTD and RTMR0–2 all equal the quote's. */
    static List<MeasurementSet> matching(TdReport r, MpcPolicy policy) {
        String[] q = quoteValues(r);
        return policy.allowedMeasurements().stream().filter(s -> differing(q, setValues(s)).isEmpty()).toList();
    }

    /** The quote's MRTD and RTMR0–2 equal {@code tcb_info}'s (when given) and one allowed set's. */
    static Check registers(TdReport r, Optional<TcbInfo> tcb, MpcPolicy policy) {
        String name = MpcAppVerifier.RTMR0_2_AND_MRTD;
        String[] q = quoteValues(r);
        List<String> problems = new ArrayList<>();
        tcb.ifPresent(t -> {
            List<String> diff = differing(q, new String[] {t.mrtd(), t.rtmr0(), t.rtmr1(), t.rtmr2()});
            if (!diff.isEmpty()) problems.add("tcb_info " + diff + " differ from the quote");
        });
        List<MeasurementSet> sets = policy.allowedMeasurements();
        List<MeasurementSet> matches = matching(r, policy);
        if (sets.isEmpty()) {
            problems.add("the policy allows no measurement set");
        } else if (matches.isEmpty()) {
            MeasurementSet closest = sets.stream()
                    .min(Comparator.comparingInt(s -> differing(q, setValues(s)).size())).orElseThrow();
            problems.add("quote MRTD/RTMR0-2 match none of the " + sets.size() + " allowed measurement sets; closest \""
                    + closest.name() + "\" differs in " + differing(q, setValues(closest)));
        }
        return problems.isEmpty()
                ? Check.pass(name, "MRTD and RTMR0-2 match \"" + matches.getFirst().name() + "\"")
                : Check.fail(name, String.join("; ", problems));
    }

    /**
     * Exactly one {@code key-provider} event whose payload equals the key provider of a set that also matches
     * the registers (or, when none does, of any allowed set: the register check already fails then).
     */
    static Check keyProvider(TdReport r, EventLog log, MpcPolicy policy) {
        String name = MpcAppVerifier.KEY_PROVIDER;
        Events.One one = Events.exactlyOne(log, Events.KEY_PROVIDER, -1, name);
        if (one instanceof Events.Missing m) return m.failure();
        Optional<KeyProvider> kp = KeyProvider.fromPayload(((Events.Found) one).payload());
        if (kp.isEmpty()) {
            return Check.fail(name, "key-provider payload is not JSON {\"name\":…,\"id\":…}");
        }
        List<MeasurementSet> registerMatches = matching(r, policy);
        List<MeasurementSet> candidates = registerMatches.isEmpty() ? policy.allowedMeasurements() : registerMatches;
        Optional<MeasurementSet> hit = candidates.stream().filter(s -> s.keyProvider().equals(kp.get())).findFirst();
        String shown = kp.get().name() + " " + kp.get().id();
        if (hit.isPresent()) {
            return Check.pass(name, "key provider " + shown + " matches \"" + hit.get().name() + "\""
                    + (registerMatches.isEmpty() ? " (no set matches the registers)" : ""));
        }
        boolean elsewhere = policy.allowedMeasurements().stream().anyMatch(s -> s.keyProvider().equals(kp.get()));
        return Check.fail(name, "key provider " + shown + (elsewhere
                ? " belongs to an allowed set other than the one the registers match"
                : " matches none of the " + policy.allowedMeasurements().size() + " allowed measurement sets"));
    }
}
