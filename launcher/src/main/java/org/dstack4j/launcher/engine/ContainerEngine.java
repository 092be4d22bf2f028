package org.dstack4j.launcher.engine;

import java.util.Optional;
import java.util.function.Consumer;
import org.dstack4j.launcher.EngineException;
import org.dstack4j.launcher.container.ContainerSpec;
import org.dstack4j.launcher.registry.RegistryCredentials;
import org.dstack4j.launcher.registry.ValidatedImage;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * The container engine operations a launch needs. Implemented over the Docker Engine API on a unix
 * socket ({@link DockerEngine}); no CLI, no shell.
 */
public interface ContainerEngine extends AutoCloseable {

    /**
     * Pulls {@code image.pullReference()} (by manifest digest) and returns the local image ID.
     *
     * @param credentials for a registry that needs them; passed to the engine, never logged
     * @param progress    receives human-readable progress lines (layer, status, bytes)
     * @throws EngineException when the engine is unreachable or the pull fails
     */
    ImageDigest pull(ValidatedImage image, Optional<RegistryCredentials> credentials, Consumer<String> progress)
            throws EngineException;

    /** The image ID of a local image, or empty when the engine has no such image. */
    Optional<ImageDigest> imageId(String reference) throws EngineException;

    /**
     * The {@code RepoDigests} of a local image ({@code name@sha256:<manifest or index digest>}
     * entries): the manifest digests the engine pulled it by.
     *
     * @return empty when the engine has no such image or records none
     */
    default java.util.List<String> repoDigests(String reference) throws EngineException {
        return java.util.List.of();
    }

    /**
     * The container named {@code name}, if the engine has one.
     *
     * @throws EngineException when the engine is unreachable or refuses
     */
    default Optional<ExistingContainer> container(String name) throws EngineException {
        return Optional.empty();
    }

    /**
     * Starts an existing container; one already running is left as it is.
     *
     * @throws EngineException when the engine is unreachable, refuses, or the container is gone
     */
    default void start(String id) throws EngineException {
        throw new UnsupportedOperationException("this engine cannot start an existing container");
    }

    /**
     * Removes the container named {@code name} (running or not, forcefully).
     *
     * @return true if one existed
     */
    boolean removeContainer(String name) throws EngineException;

    /**
     * Makes sure the container network {@code network} exists: reuses a usable one of that name,
     * creates it when absent. {@link #createAndStart} does this itself; call it before
     * {@link #start} of an existing container. The default does nothing (an engine without networks).
     *
     * @throws EngineException when the engine is unreachable, refuses, or a network of that name
     *     exists but does not fit (the message names it and the fix)
     */
    default void ensureNetwork(String network) throws EngineException {
    }

    /**
     * Creates and starts the container; named volumes are created by the engine on first use.
     *
     * @return the new container's ID (64 hex)
     */
    String createAndStart(ContainerSpec spec) throws EngineException;

    @Override
    void close();
}
