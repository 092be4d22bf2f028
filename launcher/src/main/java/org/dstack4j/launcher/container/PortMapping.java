package org.dstack4j.launcher.container;

/**
 * One published TCP port, {@code H:C}: host port {@code host} to container port {@code container}.
 * Both in 1..65535.
 */
public record PortMapping(int host, int container) {
    public PortMapping {
        if (host < 1 || host > 65535 || container < 1 || container > 65535) {
            throw new IllegalArgumentException("ports must be in 1..65535");
        }
    }

    /** {@code "H:C"}. */
    @Override
    public String toString() {
        return host + ":" + container;
    }
}
