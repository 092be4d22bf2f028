package org.dstack4j.attestation.dcap;

/**
 * One parsed piece of collateral, or why it could not be parsed. Lets {@link PreparedCollateral} parse
 * everything once without throwing, so a malformed field becomes a failed check at verification time.
 */
sealed interface Part<T> {
    record Ok<T>(T value) implements Part<T> {}

    record Bad<T>(String why) implements Part<T> {}

    interface Parser<T> {
        T parse() throws Exception;
    }

    static <T> Part<T> of(String field, Parser<T> parser) {
        try {
            return new Ok<>(parser.parse());
        } catch (CollateralFormatException e) {
            return new Bad<>(e.getMessage());
        } catch (Exception e) {
            // JDK certificate/CRL parsers throw checked and unchecked exceptions alike on hostile bytes
            return new Bad<>(field + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** The value, or a {@link VerifyFailure} carrying the parse error. */
    default T get() throws VerifyFailure {
        return switch (this) {
            case Ok<T> ok -> ok.value();
            case Bad<T> bad -> throw new VerifyFailure(bad.why());
        };
    }
}
