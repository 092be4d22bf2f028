package org.dstack4j.measure.compose;

import java.util.List;
import java.util.Optional;

/**
 * The flags of {@code vmm-cli.py compose}, as values.
 *
 * @param name              {@code --name}
 * @param dockerComposeFile the docker compose file's text ({@code --docker-compose}), exactly as read
 * @param preLaunchScript   {@code --prelaunch-script} file text
 * @param kms               {@code --kms}
 * @param gateway           {@code --gateway}
 * @param localKeyProvider  {@code --local-key-provider}
 * @param keyProvider       {@code --key-provider} none|kms|local
 * @param keyProviderId     {@code --key-provider-id} (hex)
 * @param publicLogs        {@code --public-logs}
 * @param publicSysinfo     {@code --public-sysinfo}
 * @param allowedEnvs       the variable names of {@code --env-file}, first occurrence order
 * @param noInstanceId      {@code --no-instance-id}
 * @param secureTime        {@code --secure-time}
 * @param swapMib           {@code --swap}, MiB
 */
public record AppComposeSpec(String name, String dockerComposeFile, Optional<String> preLaunchScript, boolean kms,
        boolean gateway, boolean localKeyProvider, Optional<String> keyProvider, Optional<String> keyProviderId,
        boolean publicLogs, boolean publicSysinfo, List<String> allowedEnvs, boolean noInstanceId, boolean secureTime,
        Optional<Long> swapMib) {
    public AppComposeSpec {
        allowedEnvs = List.copyOf(allowedEnvs);
    }
}
