package org.dstack4j.measure.tdx;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dstack4j.measure.MeasureInputException;

/**
 * The host's QEMU version, which changes what the TD measures: QEMU 8.x adds all TDVF pages before extending
 * them (two-pass MRTD) and enables the legacy PIC; 9.0 and later interleave them and turn the PIC off.
 *
 * @param major major
 * @param minor minor
 * @param patch patch
 */
public record QemuVersion(int major, int minor, int patch) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /**
     * Parses {@code major.minor.patch}.
     *
     * @throws MeasureInputException if malformed or older than 8.0.0 (no TDX support)
     */
    public static QemuVersion parse(String text) throws MeasureInputException {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new MeasureInputException("--qemu-version must be major.minor.patch such as 8.2.2, got \"" + text + "\"");
        }
        QemuVersion v = new QemuVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        if (v.major < 8) {
            throw new MeasureInputException("--qemu-version " + text + " is unknown to dstack-mr: TDX guests need QEMU 8.0.0 or later");
        }
        return v;
    }

    /** MRTD built page-add-first (QEMU 8.x). */
    public boolean twoPass() {
        return major == 8;
    }

    public String text() {
        return major + "." + minor + "." + patch;
    }
}
