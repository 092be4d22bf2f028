/**
 * An encrypted, authenticated store for app data on host-controlled disk (docs/volume.md): AES-256-GCM per file with
 * the volume, path and version in the associated data, and an encrypted manifest of (path, version, SHA-256 of the
 * stored bytes) that detects a flipped byte, a swapped file and an older copy of one file; whole-volume rollback is
 * caught by a {@link org.dstack4j.volume.RollbackGuard}. Keys come from the cluster secret
 * ({@link org.dstack4j.volume.VolumeKey}).
 */
package org.dstack4j.volume;
