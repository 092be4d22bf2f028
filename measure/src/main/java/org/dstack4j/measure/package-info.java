/**
 * What a dstack CVM will measure, computed from the operator's files: the app-compose document and its
 * compose-hash / app-id / mr_config_id ({@code compose}), the OS image file hashes, os_image_hash and dm-verity
 * rootfs ({@code image}), and MRTD and RTMR0-2 following dstack-mr ({@code tdx}).
 */
package org.dstack4j.measure;
