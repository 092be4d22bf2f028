package org.dstack4j.sdk;

/**
 * Answer of {@code Version}.
 *
 * @param version the agent version, e.g. {@code 0.5.3}
 * @param rev     the source revision, {@code ""} if absent
 */
public record VersionResponse(String version, String rev) {}
