package org.dstack4j.attestation.policy;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.evidence.NodeKeys;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdReport;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.sdk.Hex;

/**
 * The application checks an MPC verifier makes on top of DCAP (docs/attestation.md "Application checks"):
 * that the quote's TD runs the allowed dstack OS, the allowed launcher compose and MPC image, with safe
 * app-compose settings, and that its report data binds the node's keys. DCAP verification of the quote
 * itself (signatures, collateral, TCB status) is not done here; a verifier must do both.
 *
 * {@snippet :
 * MpcPublicData evidence = MpcPublicData.read(file);
 * TdxQuote quote = TdxQuote.parse(evidence.quote());
 * // … DCAP-verify quote with evidence.collateral() …
 * AppVerification v = MpcAppVerifier.verify(quote.tdReport(), evidence, policy);
 * v.checks().forEach(c -> System.out.println((c.ok() ? "ok   " : "FAIL ") + c.name() + ": " + c.detail()));
 * }
 *
 * Every check runs whatever the others found, so one verdict lists all problems. Fails closed: a
 * missing input (no app_compose, no keys) fails the checks that need it.
 */
public final class MpcAppVerifier {
    /** Replay of the RTMR3 events (recomputed digests) equals the quote's RTMR3. */
    public static final String RTMR3_REPLAY = "rtmr3-replay";
    /** Every RTMR3 event has the dstack runtime event type 0x08000001. */
    public static final String RTMR3_EVENT_TYPES = "rtmr3-event-types";
    /** dstack boot events once each and in order before system-ready; app events only after it. */
    public static final String RTMR3_EVENT_ORDER = "rtmr3-event-order";
    /** Each of RTMR0–2 with entries in the event log replays (logged digests) to the quote's value. */
    public static final String RTMR0_2_REPLAY = "rtmr0-2-replay";
    /** MRTD and RTMR0–2 match tcb_info and an allowed measurement set. */
    public static final String RTMR0_2_AND_MRTD = "rtmr0-2-and-mrtd";
    /** Exactly one key-provider event, matching the measurement set. */
    public static final String KEY_PROVIDER = "key-provider";
    /** Exactly one compose-hash event, equal to SHA-256 of app_compose and tcb_info.compose_hash. */
    public static final String COMPOSE_HASH = "compose-hash";
    /** Exactly one app-id event, the first 20 bytes of the compose hash. */
    public static final String APP_ID = "app-id";
    /** Exactly one instance-id event, empty. */
    public static final String INSTANCE_ID = "instance-id";
    /** app_compose has only the fields the MPC contract models, each of the type it expects. */
    public static final String APP_COMPOSE_FIELDS = "app-compose-fields";
    /** The app-compose security settings. */
    public static final String APP_COMPOSE_SETTINGS = "app-compose-settings";
    /** SHA-256 of app_compose.docker_compose_file is allowed. */
    public static final String LAUNCHER_COMPOSE_HASH = "launcher-compose-hash";
    /** Exactly one 32-byte mpc-image-digest event, allowed. */
    public static final String MPC_IMAGE_DIGEST = "mpc-image-digest";
    /** The quote's report data is version 1 over the node's keys. */
    public static final String REPORT_DATA = "report-data";
    /** The evidence's quote could not be parsed (only from {@link #verify(MpcPublicData, MpcPolicy)}). */
    public static final String QUOTE_FORMAT = "quote-format";

    /** Every check name {@link #verify(TdReport, MpcPublicData, MpcPolicy)} reports, in report order. */
    public static final List<String> CHECK_NAMES = List.of(RTMR3_REPLAY, RTMR3_EVENT_TYPES, RTMR3_EVENT_ORDER,
            RTMR0_2_REPLAY, RTMR0_2_AND_MRTD, KEY_PROVIDER, COMPOSE_HASH, APP_ID, INSTANCE_ID, APP_COMPOSE_FIELDS,
            APP_COMPOSE_SETTINGS, LAUNCHER_COMPOSE_HASH, MPC_IMAGE_DIGEST, REPORT_DATA);

    private MpcAppVerifier() {}

    /**
     * Runs every application check of {@link #CHECK_NAMES}.
     *
     * @param report   the TD report of the (separately DCAP-verified) quote; it, not the evidence's claims, is
     *                 the source of truth for registers and report data
     * @param evidence the node's evidence; its quote is not re-read here
     * @param policy   what to accept
     */
    public static AppVerification verify(TdReport report, MpcPublicData evidence, MpcPolicy policy) {
        AppComposeChecks compose = new AppComposeChecks(evidence.appCompose());
        List<Check> checks = new ArrayList<>();
        checks.add(EventLogChecks.replay(report, evidence));
        checks.add(EventLogChecks.eventTypes(evidence.eventLog()));
        checks.add(EventLogChecks.order(evidence.eventLog()));
        checks.add(BootLogChecks.replay(report, evidence.eventLog()));
        checks.add(MeasurementChecks.registers(report, evidence.tcbInfo(), policy));
        checks.add(MeasurementChecks.keyProvider(report, evidence.eventLog(), policy));
        checks.add(compose.composeHashCheck(evidence.eventLog(), evidence.tcbInfo()));
        checks.add(EventLogChecks.appId(evidence.eventLog()));
        checks.add(EventLogChecks.instanceId(evidence.eventLog()));
        checks.add(compose.fieldsCheck());
        checks.add(compose.settingsCheck());
        checks.add(compose.launcherCheck(policy));
        checks.add(EventLogChecks.imageDigest(evidence.eventLog(), policy));
        checks.add(reportData(report, evidence, policy));
        return AppVerification.of(checks, Events.payloadOf(evidence.eventLog(), Events.MPC_IMAGE_DIGEST, 32).map(Hex::encode),
                AppComposeChecks.composeHash(evidence.eventLog()), compose.launcherComposeHash(), Hex.encode(report.reportData()));
    }

    /**
     * Parses the evidence's own quote and runs {@link #verify(TdReport, MpcPublicData, MpcPolicy)}; if the quote
     * does not parse, the result holds the single failed check {@value #QUOTE_FORMAT}.
     */
    public static AppVerification verify(MpcPublicData evidence, MpcPolicy policy) {
        try {
            return verify(TdxQuote.parse(evidence.quote()).tdReport(), evidence, policy);
        } catch (QuoteFormatException e) {
            return AppVerification.of(List.of(Check.fail(QUOTE_FORMAT, e.getMessage())), Optional.empty(), Optional.empty(),
                    Optional.empty(), "");
        }
    }

    /**
     * Report data version 1 over the node keys: those of the evidence, which must equal the policy's expected
     * keys when the policy has them; the policy's alone when the evidence has none.
     */
    static Check reportData(TdReport report, MpcPublicData evidence, MpcPolicy policy) {
        String name = REPORT_DATA;
        Optional<NodeKeys> given = evidence.keys();
        Optional<NodeKeys> expected = policy.expectedKeys();
        if (given.isPresent() && expected.isPresent() && !given.get().equals(expected.get())) {
            return Check.fail(name, "the evidence's keys (signer " + given.get().signer() + ", p2p " + given.get().p2p()
                    + ") are not the expected ones (signer " + expected.get().signer() + ", p2p " + expected.get().p2p() + ")");
        }
        Optional<NodeKeys> keys = given.or(() -> expected);
        if (keys.isEmpty()) {
            return Check.fail(name, "no node keys to bind: the evidence has none and the policy expects none");
        }
        byte[] actual = report.reportData();
        int version = MpcReportData.version(actual);
        if (version != MpcReportData.VERSION_1) {
            return Check.fail(name, "report data version " + version + "; only version 1 is known");
        }
        byte[] want = MpcReportData.v1(keys.get());
        return MessageDigest.isEqual(want, actual)
                ? Check.pass(name, "version 1 report data binds signer " + keys.get().signer() + " and p2p " + keys.get().p2p())
                : Check.fail(name, "report data " + Hex.encode(actual) + " is not version 1 over signer " + keys.get().signer()
                        + " and p2p " + keys.get().p2p() + " (expected " + Hex.encode(want) + ")");
    }
}
