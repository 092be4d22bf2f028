package org.dstack4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.dstack4j.measure.MeasureInputException;
import org.dstack4j.measure.tdx.Tdvf;

/**
 * Fuzzes {@link Tdvf#parse} (an operator-supplied ovmf.fd): only {@link MeasureInputException} may escape, and a
 * firmware it accepts can be measured (MRTD both ways, the TD HOB for 2 GiB) without an exception. Seed: a
 * minimal 8 KiB TDX firmware (OVMF table, TDX metadata offset entry, TDVF descriptor, a measured BFV and a TD_HOB).
 */
class TdvfFuzzTest {
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void parse(byte[] input) throws MeasureInputException {
        Tdvf fw;
        try {
            fw = Tdvf.parse(input, "fuzz.fd");
        } catch (MeasureInputException e) {
            return;
        }
        assertThat(fw.mrtd(true)).hasSize(48);
        assertThat(fw.mrtd(false)).hasSize(48);
        fw.tdHob(2L << 30);
    }
}
