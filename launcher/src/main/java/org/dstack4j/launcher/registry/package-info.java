/**
 * Step 4a of the launch: an OCI distribution client that proves a registry serves exactly the
 * selected image (docs/launcher.md, "Registry validation").
 *
 * <p>Entry point: {@link org.dstack4j.launcher.registry.ImageValidator#validate}, configured by
 * {@link org.dstack4j.launcher.registry.RegistryOptions} (credentials from
 * {@link org.dstack4j.launcher.registry.RegistryCredentialsFile}). Layers, each one class:
 * naming and scheme ({@code RegistryEndpoint}, {@code HostPolicy}), bounded transport with
 * retries and redirects ({@code HttpFetcher}, {@code CappedBodyHandler}), challenge answering
 * ({@code WwwAuthenticate}, {@code RegistryAuthenticator}), content checks ({@code RegistryClient},
 * {@code ManifestParser}). Every failure is a {@link org.dstack4j.launcher.RegistryException};
 * nothing here logs a password or token.
 */
package org.dstack4j.launcher.registry;
