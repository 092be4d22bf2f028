package org.dstack4j.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which engine pull errors a retry cannot mend (texts as dockerd and docker-registry give them). */
class PullErrorKindTest {
    @Test
    void missingManifestsRefusedCredentialsAndDigestMismatchesArePermanent() {
        assertThat(DockerEngine.permanentPullError("manifest for 127.0.0.1:5000/mpc/node@sha256:ab not found: manifest unknown: manifest unknown")).isTrue();
        assertThat(DockerEngine.permanentPullError("pull access denied for mpc/node, repository does not exist or may require 'docker login'")).isTrue();
        assertThat(DockerEngine.permanentPullError("Head \"https://r/v2/mpc/node/manifests/sha256:ab\": unauthorized: authentication required")).isTrue();
        assertThat(DockerEngine.permanentPullError("filesystem layer verification failed for digest sha256:ab")).isTrue();
    }

    @Test
    void networkTroubleIsTransient() {
        assertThat(DockerEngine.permanentPullError("Get \"https://r/v2/\": net/http: TLS handshake timeout")).isFalse();
        assertThat(DockerEngine.permanentPullError("read tcp 10.0.0.2:4000->1.2.3.4:443: read: connection reset by peer")).isFalse();
        assertThat(DockerEngine.permanentPullError("received unexpected HTTP status: 503 Service Unavailable")).isFalse();
    }
}
