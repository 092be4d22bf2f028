package org.dstack4j.agent.api;

/**
 * The API surfaces the agent serves, each a closed set of methods (docs/guest-api.md "Surfaces"):
 * the frozen v0.5.11 guest API, dstack 0.6's v1 guest API, the legacy Tappd service, and the
 * external Worker service in its frozen and v1 versions.
 */
public enum Surface {
    /** {@code DstackGuest} v0.5.11 on the internal socket, at {@code /} and {@code /v0}. */
    GUEST_V0,
    /** {@code dstack.guest.v1.DstackGuest} on the internal socket, at {@code /v1}. */
    GUEST_V1,
    /** The legacy {@code Tappd} service on its own socket, at {@code /prpc/Tappd.<Method>}. */
    TAPPD,
    /** The frozen external {@code Worker}, at {@code /prpc/Worker.<Method>} and {@code /prpc/v0/<Method>}. */
    WORKER_V0,
    /** {@code dstack.guest.v1.Worker} on the external listener, at {@code /prpc/v1/<Method>}. */
    WORKER_V1
}
