package org.dstack4j.launcher.measurement;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.dstack4j.attestation.quote.QuoteFormatException;
import org.dstack4j.attestation.quote.TdxQuote;
import org.dstack4j.launcher.AgentException;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.selection.ImageDigest;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackEndpoint;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.Hex;
import org.dstack4j.sdk.RuntimeEvents;

/**
 * Measures through the dstack guest agent (launcher.md step 5): {@code GetQuote} (RTMR3 before),
 * {@code EmitEvent mpc-image-digest} with the 32 digest bytes, then a second {@code GetQuote} proving
 * RTMR3 = SHA-384(before ‖ event digest) — i.e. that exactly this one event was extended.
 *
 * <p>{@link #readingAhead()} takes the first quote at once, on a background thread, so that it
 * overlaps the registry check: a quote only reads RTMR3, and the check after {@code EmitEvent} proves
 * that nothing but this one event was extended since that read, however long ago it was taken.
 */
public final class AgentMeasurer implements Measurer, AutoCloseable {
    private final DstackClient client;
    private final String endpoint;
    private final CompletableFuture<byte[]> firstQuote;

    public AgentMeasurer(DstackClient client, String endpoint) {
        this(client, endpoint, null);
    }

    private AgentMeasurer(DstackClient client, String endpoint, CompletableFuture<byte[]> firstQuote) {
        this.client = client;
        this.endpoint = endpoint;
        this.firstQuote = firstQuote;
    }

    /**
     * The same measurer with the first {@code GetQuote} started now on a background thread;
     * {@link #measure} then waits for it instead of asking. Its failure is reported by {@code measure}.
     */
    public AgentMeasurer readingAhead() {
        CompletableFuture<byte[]> quote = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                quote.complete(quote("GetQuote (before)"));
            } catch (AgentException | RuntimeException e) {
                quote.completeExceptionally(e);
            }
        }, "dstack4j-first-quote");
        t.setDaemon(true);
        t.start();
        return new AgentMeasurer(client, endpoint, quote);
    }

    /**
     * A measurer talking to the agent on a unix socket.
     *
     * @param timeout per call (connect to last response byte)
     */
    public static AgentMeasurer forSocket(Path socket, Duration timeout) {
        DstackClient client = DstackClient.builder().endpoint(new DstackEndpoint.UnixSocket(socket)).timeout(timeout).build();
        return new AgentMeasurer(client, socket.toString());
    }

    @Override
    public Measurement measure(ImageDigest digest, Consumer<String> log) throws AgentException {
        byte[] first = firstQuote == null ? quote("GetQuote (before)") : awaitFirstQuote();
        byte[] before = rtmr3(first, "first");
        log.accept("GetQuote: " + first.length + "-byte TDX quote, RTMR3 " + Hex.encode(before));

        byte[] payload = digest.bytes();
        byte[] eventDigest = RuntimeEvents.digest(RuntimeEvents.DSTACK_RUNTIME_EVENT_TYPE, EVENT_NAME, payload);
        try {
            client.emitEvent(EVENT_NAME, payload);
        } catch (DstackException e) {
            throw new AgentException(LaunchStep.MEASURE, endpoint, "EmitEvent " + EVENT_NAME + " failed: " + e.getMessage(),
                    "check the guest agent (dstack-guest-agent) and its log; the node was not started", e);
        }
        log.accept("EmitEvent " + EVENT_NAME + " payload " + digest.bareHex() + " (event digest " + Hex.encode(eventDigest) + ")");

        byte[] after = rtmr3(quote("GetQuote (after)"), "second");
        byte[] expected = RuntimeEvents.extend(before, eventDigest);
        if (!RuntimeEvents.sameRegister(after, expected)) {
            throw new AgentException(LaunchStep.MEASURE, endpoint,
                    "RTMR3 after EmitEvent is " + Hex.encode(after) + ", expected " + Hex.encode(expected)
                            + " (before extended by " + EVENT_NAME + " only)",
                    "another process extended RTMR3 during the launch, or the agent is faulty; do not trust this CVM's measurements");
        }
        log.accept("GetQuote: RTMR3 " + Hex.encode(after) + " = RTMR3 before extended by " + EVENT_NAME);
        return new Measurement(Hex.encode(before), Hex.encode(after), Hex.encode(eventDigest), first.length);
    }

    private byte[] awaitFirstQuote() throws AgentException {
        try {
            return firstQuote.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof AgentException ae) throw ae;
            throw new AgentException(LaunchStep.MEASURE, endpoint, "GetQuote (before) failed: " + e.getCause(),
                    "check the guest agent and its log; nothing was extended or started", e.getCause());
        }
    }

    private byte[] quote(String what) throws AgentException {
        try {
            return client.getQuote(new byte[0]).quote();
        } catch (DstackException e) {
            throw new AgentException(LaunchStep.MEASURE, endpoint, what + " failed: " + e.getMessage(),
                    "check that the dstack guest agent runs and serves " + endpoint + "; nothing was extended or started", e);
        }
    }

    private byte[] rtmr3(byte[] quote, String which) throws AgentException {
        try {
            return TdxQuote.parse(quote).tdReport().rtmr3();
        } catch (QuoteFormatException e) {
            throw new AgentException(LaunchStep.MEASURE, endpoint, "the " + which + " quote is malformed: " + e.getMessage(),
                    "the agent returned a quote that is not a TDX quote; check the agent", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
