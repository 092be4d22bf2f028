package org.dstack4j.sdk;

/**
 * Answer of {@code Info}. Hex fields are lowercase hex as served; every field is {@code ""} (or
 * {@link TcbInfo#EMPTY}) when the agent omits it.
 *
 * @param appId           application id (hex, 20 bytes)
 * @param instanceId      instance id (hex)
 * @param appCert         the app certificate (PEM)
 * @param tcbInfo         measurements and full event log, parsed from the {@code tcb_info} JSON string
 * @param appName         application name
 * @param deviceId        device id (hex)
 * @param mrAggregated    aggregated measurement (hex)
 * @param osImageHash     OS image hash (hex)
 * @param keyProviderInfo key provider description, JSON text as served
 * @param composeHash     SHA-256 of app-compose.json (hex)
 * @param vmConfig        VM configuration, JSON text as served
 * @param cloudVendor     cloud vendor
 * @param cloudProduct    cloud product
 */
public record InfoResponse(String appId, String instanceId, String appCert, TcbInfo tcbInfo, String appName,
        String deviceId, String mrAggregated, String osImageHash, String keyProviderInfo, String composeHash,
        String vmConfig, String cloudVendor, String cloudProduct) {}
