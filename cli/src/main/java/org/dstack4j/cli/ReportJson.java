package org.dstack4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import org.dstack4j.launcher.LaunchException;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchReport;
import org.dstack4j.launcher.LaunchStep;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.Rejection;
import org.dstack4j.launcher.registry.ImageReference;

/**
 * JSON shapes of the launcher's output: the dry-run plan and the launch report (snake_case keys,
 * secret env values as {@code ***}). Field names are part of the CLI's contract.
 */
final class ReportJson {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {}

    /** The dry run: {@code selected_digest, selection_reason, approved_hashes, image, container, rejected}. */
    static ObjectNode plan(LaunchPlan plan) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("selected_digest", plan.selection().digest().toString());
        o.put("selection_reason", plan.selection().reason());
        ArrayNode approved = o.putArray("approved_hashes");
        plan.approved().digests().forEach(d -> approved.add(d.toString()));
        o.put("platform", plan.platform().name());
        o.set("image", image(plan.image()));
        o.set("container", container(plan.container()));
        o.set("rejected", rejected(plan.rejected()));
        o.put("user_config_format", plan.format().label());
        plan.toml().ifPresent(t -> {
            o.put("node_config_file", t.file().toString());
            o.put("node_config_sha256", t.nodeConfig().digest().toString());
            o.set("node_config", t.nodeConfig().masked());
            o.put("node_config_toml", t.nodeConfig().maskedToml());
            o.set("pull_retry", pullRetry(t.pull()));
        });
        return o;
    }

    /** The launch report with the approved list the digest was selected from (newest first). */
    static ObjectNode report(LaunchReport r, org.dstack4j.launcher.selection.ApprovedHashes approved) {
        ObjectNode o = report(r);
        var list = o.putArray("approved_hashes");
        approved.digests().forEach(d -> list.add(d.toString()));
        return o;
    }

    /** The launch report. */
    static ObjectNode report(LaunchReport r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("ok", true);
        o.put("started_at", r.startedAt().toString());
        o.put("platform", r.platform());
        o.put("selected_digest", r.selection().digest().toString());
        o.put("selection_reason", r.selection().reason());
        o.set("image", image(r.validated().reference()));
        o.put("digest_kind", r.validated().kind().label());
        o.put("tag", r.validated().tag());
        o.put("manifest_digest", r.validated().manifestDigest().toString());
        o.put("manifest_media_type", r.validated().mediaType());
        o.put("image_id", r.localImageId());
        o.put("container_name", r.container().name());
        o.put("container_id", r.containerId());
        o.put("replaced_container", r.replacedContainer());
        o.put("reused_container", r.reusedContainer());
        r.toml().ifPresent(t -> {
            o.put("node_config_file", t.file().toString());
            o.put("node_config_sha256", t.nodeConfig().digest().toString());
            o.set("node_config", t.nodeConfig().masked());
        });
        if (r.measurement().isPresent()) {
            var m = r.measurement().get();
            o.put("rtmr3_before", m.rtmr3Before());
            o.put("rtmr3_after", m.rtmr3After());
            o.put("event_digest", m.eventDigest());
        } else {
            o.putNull("rtmr3_before");
            o.putNull("rtmr3_after");
        }
        o.set("container", container(r.container()));
        o.set("rejected", rejected(r.rejected()));
        o.set("durations_ms", durations(r.timings()));
        return o;
    }

    /** A failed launch, for {@code --report}: which step, which input, what to do. */
    static ObjectNode failure(LaunchException e, Map<LaunchStep, Duration> timings) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("ok", false);
        o.put("failed_step", e.step().label());
        o.put("error", e.getMessage());
        o.put("input", e.input());
        o.put("fix", e.fix());
        o.set("durations_ms", durations(timings));
        return o;
    }

    private static ObjectNode image(ImageReference ref) {
        ObjectNode image = MAPPER.createObjectNode();
        image.put("registry", ref.registry());
        image.put("name", ref.name());
        ArrayNode tags = image.putArray("tags");
        ref.tags().forEach(tags::add);
        return image;
    }

    private static ObjectNode container(ContainerSpec spec) {
        ObjectNode c = MAPPER.createObjectNode();
        c.put("name", spec.name());
        c.put("image", spec.image());
        ArrayNode env = c.putArray("env");
        spec.redactedEnv().forEach(env::add);
        ArrayNode ports = c.putArray("ports");
        spec.ports().forEach(p -> ports.add(p.toString()));
        ArrayNode mounts = c.putArray("mounts");
        spec.mounts().forEach(m -> mounts.add(m.toString()));
        ArrayNode sec = c.putArray("security_opt");
        spec.securityOpt().forEach(sec::add);
        c.put("restart_policy", spec.restartPolicy().toString());
        c.put("network", spec.network());
        ArrayNode cmd = c.putArray("command");
        spec.command().forEach(cmd::add);
        return c;
    }

    private static ObjectNode pullRetry(org.dstack4j.launcher.nodeconfig.PullRetry p) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("max_retries", p.maxRetries());
        n.put("interval_secs", p.interval().toSeconds());
        n.put("max_delay_secs", p.maxDelay().toSeconds());
        return n;
    }

    private static ArrayNode rejected(java.util.List<Rejection> rejected) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Rejection r : rejected) {
            a.addObject().put("key", r.key()).put("reason", r.reason());
        }
        return a;
    }

    private static ObjectNode durations(Map<LaunchStep, Duration> timings) {
        ObjectNode d = MAPPER.createObjectNode();
        long total = 0;
        for (var e : timings.entrySet()) {
            long ms = e.getValue().toMillis();
            d.put(e.getKey().label(), ms);
            total += ms;
        }
        d.put("total", total);
        return d;
    }
}
