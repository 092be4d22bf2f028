package org.dstack4j.cli;

import picocli.CommandLine;

/** Version from the jar manifest (Implementation-Version), or "dev" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"dstack4j " + version(), "Java " + Runtime.version()};
    }
}
