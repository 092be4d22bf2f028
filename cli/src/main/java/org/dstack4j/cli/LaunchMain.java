package org.dstack4j.cli;

import java.util.Arrays;
import picocli.CommandLine;

/**
 * Entry point of the launcher image's jar ({@code launcher-app}): {@code dstack4j launch} and nothing
 * else, so the CVM's trusted path carries only the launcher's dependencies (no agent, cluster, chain,
 * TLS, NEAR or VMM code). A leading {@code launch} is accepted and dropped, so the image's entrypoint
 * and any compose {@code command:} read as they do with the full CLI.
 */
public final class LaunchMain {
    private LaunchMain() {}

    public static void main(String[] args) {
        String[] rest = args.length > 0 && args[0].equals("launch") ? Arrays.copyOfRange(args, 1, args.length) : args;
        CommandLine cl = new CommandLine(new LaunchCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true); // as Main's command line
        cl.setUsageHelpWidth(100);
        System.exit(cl.execute(rest));
    }
}
