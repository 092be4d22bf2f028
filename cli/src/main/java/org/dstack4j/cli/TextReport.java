package org.dstack4j.cli;

import java.util.StringJoiner;
import org.dstack4j.launcher.LaunchPlan;
import org.dstack4j.launcher.LaunchReport;
import org.dstack4j.launcher.config.SafeText;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.container.Rejection;

/** Human-readable forms of the dry-run plan and the launch report (secret values as {@code ***}). */
final class TextReport {
    private TextReport() {}

    static String plan(LaunchPlan plan) {
        StringJoiner s = new StringJoiner("\n");
        s.add("dry run: nothing was contacted, nothing started");
        s.add("selected digest   " + plan.selection().digest());
        s.add("why               " + plan.selection().reason());
        s.add("approved hashes   " + plan.approved().digests().size() + " (newest first)");
        plan.approved().digests().forEach(d -> s.add("                    " + d));
        s.add("platform          " + plan.platform());
        s.add("image             " + plan.image().repository() + " tags " + String.join(", ", plan.image().tags()));
        container(s, plan.container());
        rejected(s, plan.rejected());
        s.add("user_config       " + plan.format().label() + " format");
        plan.toml().ifPresent(t -> {
            s.add("node config       " + t.file() + " (" + t.nodeConfig().digest() + "), secrets masked:");
            t.nodeConfig().maskedToml().lines().forEach(l -> s.add("  " + SafeText.escape(l)));
        });
        return s.toString();
    }

    static String report(LaunchReport r) {
        StringJoiner s = new StringJoiner("\n");
        s.add("launched " + r.container().name() + " " + r.containerId());
        s.add("selected digest   " + r.selection().digest());
        s.add("why               " + r.selection().reason());
        s.add("registry proof    " + switch (r.validated().kind()) {
            case MANIFEST -> r.validated().reference().repository() + "@" + r.validated().manifestDigest()
                    + " (the approved digest is a manifest digest)";
            case IMAGE_ID -> r.validated().reference().repository() + ":" + r.validated().tag()
                    + " -> manifest " + r.validated().manifestDigest() + " (the approved digest is an image ID)";
        });
        s.add("local image ID    " + r.localImageId());
        r.measurement().ifPresentOrElse(m -> {
            s.add("RTMR3 before      " + m.rtmr3Before());
            s.add("RTMR3 after       " + m.rtmr3After());
        }, () -> s.add("RTMR3             not measured (NONTEE)"));
        if (r.replacedContainer()) s.add("replaced          the previous " + r.container().name());
        if (r.reusedContainer()) s.add("reused            the unchanged " + r.container().name() + " (its logs are kept)");
        r.toml().ifPresent(t -> s.add("node config       " + t.file() + " (" + t.nodeConfig().digest() + ")"));
        container(s, r.container());
        rejected(s, r.rejected());
        StringJoiner t = new StringJoiner(", ");
        long total = 0;
        for (var e : r.timings().entrySet()) {
            t.add(e.getKey().label() + " " + e.getValue().toMillis() + " ms");
            total += e.getValue().toMillis();
        }
        s.add("durations         " + t + " (total " + total + " ms)");
        return s.toString();
    }

    private static void container(StringJoiner s, ContainerSpec c) {
        s.add("container         " + c.name() + " from " + c.image() + ", restart " + c.restartPolicy()
                + ", " + String.join(" ", c.securityOpt()));
        c.redactedEnv().forEach(e -> s.add("  env             " + e));
        if (!c.command().isEmpty()) s.add("  command         " + String.join(" ", c.command()));
        s.add("  network         " + c.network());
        c.ports().forEach(p -> s.add("  port            " + p));
        c.mounts().forEach(m -> s.add("  mount           " + m));
    }

    private static void rejected(StringJoiner s, java.util.List<Rejection> rejected) {
        rejected.forEach(r -> s.add("rejected          " + r.key() + ": " + r.reason()));
    }
}
