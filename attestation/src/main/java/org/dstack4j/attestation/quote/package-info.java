/**
 * TDX quote parsing: {@link org.dstack4j.attestation.quote.TdxQuote#parse(byte[])} turns quote bytes
 * (v4, or v5 with TD report 1.0/1.5) into immutable records — header, TD report (MRTD, RTMR0–3, report
 * data, …), signature data with QE report certification data and the PCK certificate chain — or a
 * checked {@link org.dstack4j.attestation.quote.QuoteFormatException} naming the field and offset.
 */
package org.dstack4j.attestation.quote;
