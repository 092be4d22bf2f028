package org.dstack4j.vmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A TEST DOUBLE of dstack-vmm's pRPC API, following {@code vmm/rpc/proto/vmm_rpc.proto} at dstack v0.5.8 (JSON with the
 * proto's field names, {@code POST /prpc/<Method>?json}, errors as HTTP 400 {@code {"error": …}}) and {@code GET /logs}.
 * dstack-vmm needs KVM with TDX and cannot run here. It keeps VMs in memory, simulates a boot (each GetInfo advances
 * {@code boot_progress} through {@link #BOOT_STEPS}), enforces a Bearer token or Basic credentials when set, and records
 * every request (method and JSON body).
 */
public final class VmmDouble implements AutoCloseable {
    /** The boot_progress values a start passes through, as a real guest reports them. */
    public static final List<String> BOOT_STEPS = List.of("booting", "initializing data disk", "starting containers", "done");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    public record Request(String method, JsonNode body, String authorization) {}

    private final HttpServer server;
    private final Map<String, ObjectNode> vms = new LinkedHashMap<>();
    private final Map<String, Deque<String>> booting = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    public volatile String requiredAuthorization;
    /** When true, a guest ignores ShutdownVm (it never powers off by itself): only StopVm stops it. */
    public volatile boolean guestIgnoresShutdown;
    private final java.util.Set<String> shuttingDown = new java.util.HashSet<>();
    /** Injected failures: method → calls to let through first, and how many calls to fail after them. */
    private final Map<String, int[]> failures = new java.util.concurrent.ConcurrentHashMap<>();
    public volatile List<String> logLines = List.of("[    0.000000] Linux version 6.9.0-dstack", "boot: done");
    private int next;

    public VmmDouble() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/prpc/", this::prpc);
        server.createContext("/logs", this::logs);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Adds a VM in {@code status} (running, stopped, exited). */
    public synchronized String addVm(String name, String status) {
        String id = String.format("%08x-0000-4000-8000-%012x", ++next, next);
        ObjectNode vm = JSON.createObjectNode().put("id", id).put("name", name).put("status", status).put("uptime", "1m")
                .put("app_id", "ab".repeat(20)).put("boot_progress", status.equals("running") ? "done" : "N/A").put("boot_error", "")
                .put("shutdown_progress", "").put("image_version", "0.5.8");
        vm.putObject("configuration").put("name", name).put("image", "dstack-0.5.8").put("user_config", "");
        vm.putArray("events");
        vms.put(id, vm);
        return id;
    }

    /**
     * Makes calls of {@code method} fail with HTTP 500 (as a VMM that crashed mid-call): the next {@code skip} calls pass,
     * the {@code count} after them fail, later ones pass again.
     */
    public void fail(String method, int skip, int count) {
        failures.put(method, new int[] {skip, count});
    }

    private boolean injectedFailure(String method) {
        int[] f = failures.get(method);
        if (f == null) return false;
        synchronized (f) {
            if (f[0] > 0) {
                f[0]--;
                return false;
            }
            if (f[1] <= 0) return false;
            f[1]--;
            return true;
        }
    }

    public synchronized ObjectNode vm(String id) {
        return vms.get(id).deepCopy();
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        String need = requiredAuthorization;
        if (need != null && !need.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, "Unauthorized");
            return false;
        }
        return true;
    }

    private void prpc(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = path.substring("/prpc/".length());
            JsonNode body = JSON.readTree(ex.getRequestBody().readNBytes(1 << 20));
            requests.add(new Request(method, body, ex.getRequestHeaders().getFirst("Authorization")));
            if (!"POST".equals(ex.getRequestMethod()) || !"json".equals(ex.getRequestURI().getQuery())) {
                send(ex, 404, "Not Found");
                return;
            }
            if (!authorized(ex)) return;
            if (injectedFailure(method)) {
                send(ex, 500, "Internal Server Error (injected)");
                return;
            }
            try {
                send(ex, 200, handle(method, body).toString());
            } catch (IllegalStateException e) {
                send(ex, 400, JSON.createObjectNode().put("error", e.getMessage()).toString());
            }
        }
    }

    private synchronized JsonNode handle(String method, JsonNode body) {
        String id = body.path("id").asText();
        ObjectNode empty = JSON.createObjectNode();
        switch (method) {
            case "Status" -> {
                ObjectNode r = JSON.createObjectNode();
                ArrayNode a = r.putArray("vms");
                vms.values().forEach(a::add);
                r.put("port_mapping_enabled", true).put("total", vms.size());
                return r;
            }
            case "GetInfo" -> {
                ObjectNode vm = vms.get(id);
                if (vm == null) return JSON.createObjectNode().put("found", false);
                if (shuttingDown.remove(id)) vm.put("status", "stopped").put("boot_progress", "N/A").put("shutdown_progress", "");
                Deque<String> steps = booting.get(id);
                if (steps != null && !steps.isEmpty()) vm.put("boot_progress", steps.poll());
                return JSON.createObjectNode().put("found", true).set("info", vm);
            }
            case "CreateVm" -> {
                String newId = addVm(body.path("name").asText(), body.path("stopped").asBoolean() ? "stopped" : "running");
                ObjectNode vm = vms.get(newId);
                vm.set("configuration", body.deepCopy());
                if (!body.path("stopped").asBoolean()) boot(newId);
                return JSON.createObjectNode().put("id", newId);
            }
            case "StartVm" -> {
                ObjectNode vm = known(id);
                if (vm.get("status").asText().equals("running")) throw new IllegalStateException("VM is already running");
                vm.put("status", "running");
                boot(id);
                return empty;
            }
            case "StopVm" -> {
                shuttingDown.remove(id);
                known(id).put("status", "stopped").put("boot_progress", "N/A").put("shutdown_progress", "");
                return empty;
            }
            case "ShutdownVm" -> {
                // the guest powers off asynchronously: stopped at the next GetInfo (unless it ignores the request)
                ObjectNode vm = known(id);
                if (!vm.get("status").asText().equals("running")) throw new IllegalStateException("VM is not running");
                vm.put("shutdown_progress", "shutting down");
                if (!guestIgnoresShutdown) shuttingDown.add(id);
                return empty;
            }
            case "UpgradeApp" -> {
                ObjectNode vm = known(id);
                if (body.has("user_config")) ((ObjectNode) vm.get("configuration")).put("user_config", body.get("user_config").asText());
                return JSON.createObjectNode().put("id", id);
            }
            default -> throw new IllegalStateException("unknown method " + method);
        }
    }

    private void boot(String id) {
        vms.get(id).put("boot_progress", "booting");
        booting.put(id, new ArrayDeque<>(BOOT_STEPS));
    }

    private ObjectNode known(String id) {
        ObjectNode vm = vms.get(id);
        if (vm == null) throw new IllegalStateException("VM not found: " + id);
        return vm;
    }

    private void logs(HttpExchange ex) throws IOException {
        try (ex) {
            requests.add(new Request("logs?" + ex.getRequestURI().getQuery(), null, ex.getRequestHeaders().getFirst("Authorization")));
            if (!authorized(ex)) return;
            send(ex, 200, String.join("\n", logLines) + "\n");
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 && body.startsWith("{") || status == 400 ? "application/json" : "text/plain");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
