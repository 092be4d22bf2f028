package org.dstack4j.sdk;

/**
 * Answer of v1 {@code Info} (Dstack-TEE/dstack {@code agent_rpc_v1.proto} {@code InfoResponse}): identity and
 * configuration, not attestation. Byte fields as lowercase hex; on the external listener {@code appCompose},
 * {@code vmConfig} and {@code keyProviderInfo} are empty unless the app-compose sets {@code public_tcbinfo}.
 *
 * @param appId           app id (hex)
 * @param appName         app name from the app-compose
 * @param composeHash     SHA-256 of {@code appCompose}'s exact bytes (hex)
 * @param appCompose      the app-compose.json text exactly as deployed
 * @param instanceId      instance id (hex)
 * @param deviceId        device id (hex)
 * @param osImageHash     OS image hash (hex)
 * @param mrAggregated    aggregated measurement (hex)
 * @param vmConfig        VM config JSON text
 * @param keyProviderInfo key provider JSON text
 * @param cloudVendor     DMI sys_vendor
 * @param cloudProduct    DMI product_name
 */
public record InfoV1Response(String appId, String appName, String composeHash, String appCompose, String instanceId,
        String deviceId, String osImageHash, String mrAggregated, String vmConfig, String keyProviderInfo,
        String cloudVendor, String cloudProduct) {}
