package org.dstack4j.agent.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The agent's version for {@code Version}: {@code version} is {@code "dstack4j-<maven version>"},
 * {@code rev} the git revision when the build recorded one, else {@code "unknown"}.
 *
 * @param version e.g. {@code dstack4j-0.1.0-SNAPSHOT}
 * @param rev     git revision or {@code unknown}
 */
public record AgentVersion(String version, String rev) {
    private static final String POM_PROPERTIES = "/META-INF/maven/org.dstack4j/dstack4j-agent/pom.properties";

    /** Reads the version from the jar manifest or Maven's pom.properties; "dev" when running from classes. */
    public static AgentVersion detect() {
        String v = AgentVersion.class.getPackage().getImplementationVersion();
        String rev = "unknown";
        try (InputStream in = AgentVersion.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                if (v == null) {
                    v = p.getProperty("version");
                }
                rev = p.getProperty("git.revision", rev);
            }
        } catch (IOException e) {
            // a missing or unreadable properties file only loses version detail
        }
        return new AgentVersion("dstack4j-" + (v == null ? "dev" : v), rev);
    }
}
