package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.dstack4j.attestation.Check;
import org.dstack4j.attestation.dcap.CollateralJson;
import org.dstack4j.attestation.dcap.DcapVerification;
import org.dstack4j.attestation.dcap.DcapVerifier;
import org.dstack4j.attestation.dcap.PreparedCollateral;
import org.dstack4j.attestation.evidence.MpcPublicData;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdxQuote;

/**
 * Fuzzes {@link DcapVerifier#verify} with arbitrary quote bytes against the real collateral of the newest
 * MPC capture, pinned to Intel's root: the answer is always a result (never an exception), no failure
 * comes from the verifier's catch-alls ({@code internal-error}, {@code unexpected …}), and a
 * {@code valid} verdict implies the quote's signed part and signature are the genuine quote's.
 *
 * <p>Seed: the genuine quote of that capture. Inputs are whole quotes, so most executions fail the
 * parse or the signature; the ECDSA checks make each execution slow (milliseconds).
 */
class DcapVerifierFuzzTest {
    private static final Path CAPTURE = Path.of("..", "fixtures", "mpc-attestation", "2026-08-14", "public_data.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MpcPublicData EVIDENCE;
    private static final PreparedCollateral COLLATERAL;
    private static final Instant AT;
    private static final TdxQuote GENUINE;

    static {
        try {
            EVIDENCE = MpcPublicData.parse(Files.readAllBytes(CAPTURE));
            var collateral = CollateralJson.fromJson(EVIDENCE.collateral().orElseThrow());
            COLLATERAL = PreparedCollateral.of(collateral);
            AT = Instant.parse(JSON.readTree(collateral.tcbInfo()).get("issueDate").asText()).plus(1, ChronoUnit.HOURS);
            GENUINE = TdxQuote.parse(EVIDENCE.quote());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + CAPTURE.toAbsolutePath(), e);
        }
    }

    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void verify(byte[] quote) {
        DcapVerification v = DcapVerifier.intel().verify(quote, COLLATERAL, AT, false);
        assertThat(v).isNotNull();
        for (Check c : v.checks()) {
            if (c.name().equals("internal-error") || c.detail().startsWith("unexpected ")) {
                throw new AssertionError("a catch-all answered instead of a check: " + c.name() + ": " + c.detail());
            }
        }
        if (v.valid()) {
            TdxQuote q;
            try {
                q = TdxQuote.parse(quote);
            } catch (QuoteFormatException e) {
                throw new AssertionError("valid verdict for a quote that does not parse", e);
            }
            assertThat(q.signedData()).isEqualTo(GENUINE.signedData());
            assertThat(q.signatureData().ecdsaSignature()).isEqualTo(GENUINE.signatureData().ecdsaSignature());
        }
    }
}
