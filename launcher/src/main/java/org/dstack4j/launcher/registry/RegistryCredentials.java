package org.dstack4j.launcher.registry;

/**
 * A username and password for one registry (HTTP {@code Basic}, or the basic credentials sent to a
 * {@code Bearer} token realm). Never printed: {@link #toString()} hides the password.
 */
public record RegistryCredentials(String username, String password) {
    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + ", password=***]";
    }
}
