package org.dstack4j.launcher.config;

import java.nio.file.Files;
import java.nio.file.Path;

/** Child-process entry of {@code UserConfigTest#unreadableFileIsAnError}: loads a user_config and prints the outcome. */
public final class UserConfigLoadProbe {
    private UserConfigLoadProbe() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        System.out.println(Files.isReadable(file) ? "probe: readable" : "probe: not readable");
        try {
            UserConfig.load(file);
            System.out.println("probe: loaded");
        } catch (Exception e) {
            System.out.println("probe: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
