package org.dstack4j.launcher.container;

/**
 * Docker restart policy of the node container.
 *
 * @param name              {@code no}, {@code on-failure}, {@code always} or {@code unless-stopped}
 * @param maximumRetryCount retries for {@code on-failure}; 0 means unlimited
 */
public record RestartPolicy(String name, int maximumRetryCount) {
    /** What the launcher uses: a crashed node comes back without a VM reboot. */
    public static final RestartPolicy ON_FAILURE = new RestartPolicy("on-failure", 0);

    @Override
    public String toString() {
        return maximumRetryCount > 0 ? name + ":" + maximumRetryCount : name;
    }
}
