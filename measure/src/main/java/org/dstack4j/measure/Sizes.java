package org.dstack4j.measure;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human sizes on the command line ({@code 64G}, {@code 512M}, {@code 4096}), binary units. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /**
     * Bytes: a number with an optional K/M/G/T suffix (powers of 1024, optional "B" / "iB"); no suffix means bytes.
     *
     * @param flag names the option in the error
     * @throws MeasureInputException if it is not a whole, positive number of bytes
     */
    public static long bytes(String text, String flag) throws MeasureInputException {
        return parse(text, flag, "");
    }

    /** Like {@link #bytes} but a bare number is MiB, as {@code vmm-cli.py} reads {@code --swap}; result in MiB. */
    public static long mebibytes(String text, String flag) throws MeasureInputException {
        long bytes = parse(text, flag, "M");
        if (bytes % (1 << 20) != 0) {
            throw new MeasureInputException(flag + " must be a whole number of MiB, got \"" + text + "\"");
        }
        return bytes >> 20;
    }

    private static long parse(String text, String flag, String defaultUnit) throws MeasureInputException {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new MeasureInputException(flag + " must be a size such as 64G, 512M or 2147483648, got \"" + text + "\"");
        }
        String unit = m.group(2).isEmpty() ? defaultUnit : m.group(2).toUpperCase(Locale.ROOT);
        int shift = switch (unit) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        BigDecimal value = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(2).pow(shift));
        try {
            long bytes = value.longValueExact();
            if (bytes < 0) throw new ArithmeticException("negative");
            return bytes;
        } catch (ArithmeticException e) {
            throw new MeasureInputException(flag + " must be a whole number of bytes below 8 EiB, got \"" + text + "\"", e);
        }
    }
}
