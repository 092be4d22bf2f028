/**
 * Java client for the dstack guest agent (docs/guest-api.md), the service inside a dstack
 * confidential VM that issues TDX quotes, extends RTMR3 with runtime events and derives keys.
 *
 * <h2>Quick start</h2>
 * {@snippet :
 * import org.dstack4j.sdk.*;
 *
 * // DSTACK_SIMULATOR_ENDPOINT if set, else /var/run/dstack.sock, /run/dstack.sock, …
 * try (DstackClient dstack = DstackClient.discover()) {
 *     GetQuoteResponse quote = dstack.getQuote("hello".getBytes());  // report data ≤ 64 bytes
 *     byte[] rtmr3 = quote.log().replay(3);                           // 48 bytes; compare with the quote's RTMR3
 *     dstack.emitEvent("app-config", configDigest);                   // measured into RTMR3
 *     InfoResponse info = dstack.info();
 *     System.out.println(info.appId() + " " + info.tcbInfo().composeHash());
 * } catch (DstackException e) {
 *     System.err.println(e.getMessage());  // names the endpoint, the method and the reason
 * }
 * }
 *
 * <h2>The other surfaces</h2>
 * {@link org.dstack4j.sdk.DstackClient#v1()} gives dstack 0.6's {@code /v1} API
 * ({@link org.dstack4j.sdk.DstackClientV1}: {@code getKey(domain, algorithm)}, {@code issueCert},
 * {@code attest}, {@code info}, {@code version}); {@link org.dstack4j.sdk.TappdClient} the legacy Tappd
 * service on {@code tappd.sock}. {@code attest} answers carry dstack's versioned attestation document,
 * decoded by {@link org.dstack4j.sdk.attestation.VersionedAttestation}. The module's README shows every call.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every call has a timeout (default 30 s, {@link org.dstack4j.sdk.DstackClient.Builder#timeout})
 *       and a response size cap (default 8 MiB); nothing retries.</li>
 *   <li>Failures are one sealed {@link org.dstack4j.sdk.DstackException} hierarchy: no endpoint,
 *       unreachable, timeout, error status, malformed response, response too large, interrupted.</li>
 *   <li>Bytes travel as lowercase hex; responses are immutable records with defensive copies;
 *       {@code toString()} never prints private keys.</li>
 *   <li>Depends only on Jackson and Jetty's HTTP client.</li>
 * </ul>
 */
package org.dstack4j.sdk;
