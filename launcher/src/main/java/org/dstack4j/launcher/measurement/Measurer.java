package org.dstack4j.launcher.measurement;

import java.util.function.Consumer;
import org.dstack4j.launcher.AgentException;
import org.dstack4j.launcher.selection.ImageDigest;

/** Records the validated image digest in RTMR3 (launcher.md step 5). Called once per launch, after validation. */
public interface Measurer {
    /** The event name the MPC contract looks for; payload = the 32 raw digest bytes. */
    String EVENT_NAME = "mpc-image-digest";

    /**
     * Quotes, emits {@value #EVENT_NAME} with the digest's 32 bytes, and checks the extension.
     *
     * @throws AgentException when the agent is unreachable, answers an error, or RTMR3 after the
     *     emission is not RTMR3 before extended by exactly this event
     */
    Measurement measure(ImageDigest digest, Consumer<String> log) throws AgentException;
}
