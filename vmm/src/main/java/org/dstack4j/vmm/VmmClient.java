package org.dstack4j.vmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.dstack4j.sdk.TerminalText;
import org.dstack4j.sdk.http.BoundedExchange;

/**
 * A client of dstack-vmm's pRPC API: {@code POST /prpc/<Method>?json} with the proto's JSON (field names as in
 * {@code vmm_rpc.proto}, bytes as hex), errors as {@code HTTP 400 {"error": "…"}}; and {@code GET /logs}. Every call
 * has one deadline over the whole answer and a size cap; every failure is a {@link VmmException}. Thread-safe.
 */
public final class VmmClient implements AutoCloseable {
    /** Answer cap: 16 MiB (a Status of many VMs with their events and compose files). */
    public static final int MAX_ANSWER = 16 << 20;
    /** Most bytes of one console line kept ({@link #logs}); the rest of a longer line is dropped and the cut noted. */
    public static final int MAX_LOG_LINE = 64 * 1024;
    /** Statuses in which a VM's configuration may be changed. */
    public static final Set<String> STOPPED = Set.of("stopped", "exited");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String shown;
    private final VmmAuth auth;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    e.g. {@code http://127.0.0.1:12000}
     * @param timeout deadline of each call (the whole answer)
     * @throws IllegalArgumentException when the URL is not http(s) with a host
     */
    public VmmClient(URI base, VmmAuth auth, Duration timeout) {
        String scheme = base.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null) {
            throw new IllegalArgumentException("--vmm-url must be an http:// or https:// URL with a host");
        }
        if (timeout.isZero() || timeout.isNegative()) throw new IllegalArgumentException("the VMM timeout must be positive");
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.shown = scheme + "://" + base.getHost() + (base.getPort() >= 0 ? ":" + base.getPort() : "");
        this.auth = auth;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Scheme, host and port (no credentials, no path). */
    public String vmm() {
        return shown;
    }

    @Override
    public void close() {
        // close() would wait for exchanges still running past their deadline (a trickling server); end them
        http.shutdownNow();
    }

    /** One pRPC call; returns the answer's JSON object. */
    public JsonNode call(String method, ObjectNode params) throws VmmException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + "/prpc/" + method + "?json")).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(params == null ? "{}" : params.toString()));
        auth.header().ifPresent(h -> rb.header("Authorization", h));
        BoundedExchange.Outcome.Answer ans = switch (BoundedExchange.send(http, rb.build(), timeout, MAX_ANSWER)) {
            case BoundedExchange.Outcome.Answer a -> a;
            case BoundedExchange.Outcome.TooLarge t -> throw new VmmException(new VmmError.Malformed(shown, method, "more than " + MAX_ANSWER + " bytes"));
            case BoundedExchange.Outcome.TimedOut t -> throw new VmmException(new VmmError.Timeout(shown, method, timeout));
            case BoundedExchange.Outcome.Failed x -> throw new VmmException(new VmmError.Down(shown, method, x.reason()));
        };
        if (ans.status() == 401 || ans.status() == 403) throw new VmmException(new VmmError.AuthRefused(shown, method, ans.status()));
        JsonNode body;
        try {
            body = JSON.readTree(ans.body());
        } catch (IOException e) {
            body = null;
        }
        if (ans.status() == 400 && body != null && body.path("error").isTextual()) {
            throw new VmmException(new VmmError.Rpc(shown, method, body.get("error").asText()));
        }
        if (ans.status() != 200) throw new VmmException(new VmmError.Malformed(shown, method, "HTTP " + ans.status()));
        if (body == null || !body.isObject()) throw new VmmException(new VmmError.Malformed(shown, method, "not a JSON object"));
        return body;
    }

    private static ObjectNode id(String id) {
        return JSON.createObjectNode().put("id", id);
    }

    /** {@code Status}: {@code {"vms": [VmInfo…], …}}. */
    public JsonNode status() throws VmmException {
        return call("Status", JSON.createObjectNode());
    }

    /** {@code GetInfo}; empty when the VMM has no such VM. */
    public Optional<JsonNode> info(String vmId) throws VmmException {
        JsonNode r = call("GetInfo", id(vmId));
        return r.path("found").asBoolean(false) && r.hasNonNull("info") ? Optional.of(r.get("info")) : Optional.empty();
    }

    /** {@code GetInfo}, or {@link VmmError.UnknownVm}. */
    public JsonNode require(String vmId) throws VmmException {
        return info(vmId).orElseThrow(() -> new VmmException(new VmmError.UnknownVm(shown, vmId)));
    }

    /** {@code CreateVm}; returns the new VM's id. */
    public String create(VmSpec spec) throws VmmException {
        JsonNode r = call("CreateVm", spec.toJson());
        if (!r.path("id").isTextual()) throw new VmmException(new VmmError.Malformed(shown, "CreateVm", "no id"));
        return r.get("id").asText();
    }

    /** {@code StartVm} of an existing VM. */
    public void start(String vmId) throws VmmException {
        require(vmId);
        call("StartVm", id(vmId));
    }

    /** {@code StopVm} of an existing VM (a hard stop; the VMM's ShutdownVm is the graceful one). */
    public void stop(String vmId) throws VmmException {
        require(vmId);
        call("StopVm", id(vmId));
    }

    /** {@code ShutdownVm} of an existing VM: asks the guest to power off (ACPI); it stops when the guest does. */
    public void shutdown(String vmId) throws VmmException {
        require(vmId);
        call("ShutdownVm", id(vmId));
    }

    /** How {@link #restart} stopped the VM. */
    public enum Stopped {
        /** The guest powered off after {@code ShutdownVm}. */
        GRACEFULLY,
        /** The guest did not power off within the grace period: {@code StopVm}. */
        FORCED,
        /** The VM was not running. */
        WAS_NOT_RUNNING
    }

    /** Tries at bringing a shut-down VM back ({@link #restart}) before giving up. */
    public static final int START_ATTEMPTS = 4;

    /**
     * Restarts a VM (the VMM has no restart call): {@code ShutdownVm}, then {@code GetInfo} every {@code poll} until the
     * VM is stopped or {@code grace} passed, then {@code StopVm} if it still runs, then {@code StartVm}. A VM that is
     * not running is only started.
     *
     * <p>Once {@code ShutdownVm} was sent (or timed out or was interrupted: it may have reached the VMM) the VM is always
     * brought back: a failed {@code GetInfo} during the grace period is ignored (the next poll asks again), an
     * interrupt ends the grace period early, and the stop and start are tried up to {@link #START_ATTEMPTS} times, {@code poll} apart, each
     * call under this client's timeout. An interrupt never skips the start: it is remembered and the thread's interrupt
     * flag is set again when this method returns or throws. A VM left powered off would stay off for good.
     *
     * @param grace how long the guest may take to power off
     * @param poll  how often to ask for its status meanwhile, and the pause between start attempts
     * @throws VmmException {@link VmmError.UnknownVm}, the VMM refusing or failing the first {@code GetInfo} or
     *                      {@code ShutdownVm} (nothing done), or the start given up after {@link #START_ATTEMPTS} tries
     *                      (the last failure, naming the attempts)
     * @throws InterruptedException not thrown today (an interrupt shows as the flag, or as a failed call before
     *                              {@code ShutdownVm}); kept for callers that stop on it
     */
    public Stopped restart(String vmId, Duration grace, Duration poll) throws VmmException, InterruptedException {
        if (STOPPED.contains(require(vmId).path("status").asText())) {
            call("StartVm", id(vmId));
            return Stopped.WAS_NOT_RUNNING;
        }
        try {
            call("ShutdownVm", id(vmId));
        } catch (VmmException e) {
            // not sent, or refused: the VM runs on; but a call that timed out or was interrupted may have reached it
            if (!(e.error() instanceof VmmError.Timeout) && !Thread.currentThread().isInterrupted()) throw e;
        }
        boolean interrupted = false;
        boolean off = false;
        try {
            long end = System.nanoTime() + grace.toNanos();
            while (!off && System.nanoTime() < end) {
                try {
                    off = STOPPED.contains(require(vmId).path("status").asText());
                } catch (VmmException e) {
                    // transient (the VMM busy with the shutdown): ask again at the next poll
                }
                if (!off) Thread.sleep(poll.toMillis());
            }
        } catch (InterruptedException e) {
            interrupted = true; // the caller is stopping: skip the rest of the grace period, not the start
        }
        try {
            return bringBack(vmId, poll);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The end of {@link #restart}: {@code StopVm} while the VM runs, then {@code StartVm}, with retries. */
    private Stopped bringBack(String vmId, Duration poll) throws VmmException {
        boolean interrupted = false;
        boolean forced = false;
        boolean startSent = false;
        VmmException last = null;
        try {
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                if (attempt > 1) {
                    try {
                        Thread.sleep(poll.toMillis());
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                // an interrupted thread's HTTP calls fail at once: clear the flag for them, set it again at the end
                interrupted |= Thread.interrupted();
                try {
                    if (!STOPPED.contains(require(vmId).path("status").asText())) {
                        // running: started by an earlier StartVm whose answer was lost, or not yet stopped
                        if (startSent) return forced ? Stopped.FORCED : Stopped.GRACEFULLY;
                        call("StopVm", id(vmId));
                        forced = true;
                    }
                    startSent = true; // before the call: its answer may be lost while the VMM acts on it
                    call("StartVm", id(vmId));
                    return forced ? Stopped.FORCED : Stopped.GRACEFULLY;
                } catch (VmmException e) {
                    last = e;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
        throw new VmmException(new VmmError.WrongState(vmId, "restart", "shut down",
                "gave up starting it again after " + START_ATTEMPTS + " attempts (" + last.getMessage() + "); start it: dstack4j cvm start " + vmId));
    }

    /**
     * Replaces the user_config of a stopped VM ({@code UpgradeApp {id, user_config}}); it takes effect at the next
     * start.
     *
     * @throws VmmException {@link VmmError.WrongState} when the VM is not stopped: the running node would keep the old
     *                      file while the VMM showed the new one
     */
    public void updateUserConfig(String vmId, String userConfig) throws VmmException {
        String status = require(vmId).path("status").asText();
        if (!STOPPED.contains(status)) {
            throw new VmmException(new VmmError.WrongState(vmId, "update-user-config", status, "refused; stop it first (dstack4j cvm stop " + vmId + ")"));
        }
        ObjectNode p = id(vmId);
        p.put("user_config", userConfig);
        call("UpgradeApp", p);
    }

    /**
     * Waits until the VM's {@code boot_progress} is {@code done}, reporting each new progress value.
     *
     * @param poll how often to ask
     * @param max  how long to wait
     * @throws VmmException on a {@code boot_error}, a VM that exited, or {@link VmmError.Timeout} after {@code max}
     */
    public JsonNode awaitBoot(String vmId, Duration poll, Duration max, Consumer<String> progress) throws VmmException, InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        String last = null;
        while (true) {
            JsonNode info = require(vmId);
            String p = info.path("boot_progress").asText("");
            if (!p.equals(last)) {
                progress.accept(TerminalText.escape(p, VmmError.SHOWN));
                last = p;
            }
            if (!info.path("boot_error").asText("").isEmpty()) {
                throw new VmmException(new VmmError.WrongState(vmId, "boot", "failing", "boot error: " + TerminalText.escape(info.get("boot_error").asText(), VmmError.SHOWN)));
            }
            if (p.equals("done")) return info;
            if (info.path("status").asText().equals("exited")) {
                throw new VmmException(new VmmError.WrongState(vmId, "boot", "exited", "the VM stopped while booting ('dstack4j cvm logs " + vmId + "')"));
            }
            if (System.nanoTime() > end) throw new VmmException(new VmmError.Timeout(shown, "boot of " + vmId, max));
            Thread.sleep(poll.toMillis());
        }
    }

    /**
     * {@code GET /logs?id=…&follow=…&ansi=false&lines=…}: the VM's serial console, line by line, escaped. Without
     * {@code follow} the whole answer is bounded by the timeout and {@link #MAX_ANSWER}; with it, lines arrive until the
     * VMM closes the stream or the thread is interrupted. A line longer than {@link #MAX_LOG_LINE} bytes is cut there
     * (the cut is noted on the line), so an endless line cannot fill the memory.
     */
    public void logs(String vmId, boolean follow, int lines, Consumer<String> out) throws VmmException {
        require(vmId);
        String q = "id=" + URLEncoder.encode(vmId, StandardCharsets.UTF_8) + "&follow=" + follow + "&ansi=false&lines=" + lines;
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + "/logs?" + q)).GET();
        if (!follow) rb.timeout(timeout);
        auth.header().ifPresent(h -> rb.header("Authorization", h));
        HttpResponse<InputStream> r;
        try {
            r = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new VmmException(new VmmError.Timeout(shown, "logs", timeout));
        } catch (IOException e) {
            throw new VmmException(new VmmError.Down(shown, "logs", e.getClass().getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) throw new VmmException(new VmmError.AuthRefused(shown, "logs", r.statusCode()));
        if (r.statusCode() != 200) throw new VmmException(new VmmError.Malformed(shown, "logs", "HTTP " + r.statusCode()));
        long read = 0;
        try (InputStream in = new BufferedInputStream(r.body(), 16 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            boolean cut = false;
            for (int b; ; ) {
                b = in.read();
                if (b == -1 && line.size() == 0 && !cut) break;
                if (b == -1 || b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
                    out.accept(TerminalText.escape(text, VmmError.SHOWN) + (cut ? " [line cut at " + MAX_LOG_LINE + " bytes]" : ""));
                    line.reset();
                    cut = false;
                    if (b == -1) break;
                    continue;
                }
                if (!follow && ++read > MAX_ANSWER) throw new VmmException(new VmmError.Malformed(shown, "logs", "more than " + MAX_ANSWER + " bytes"));
                // a line without end must not fill the memory: keep its start, drop the rest
                if (line.size() < MAX_LOG_LINE) line.write(b); else cut = true;
            }
        } catch (IOException e) {
            throw new VmmException(new VmmError.Down(shown, "logs", e.getClass().getSimpleName()));
        }
    }
}
