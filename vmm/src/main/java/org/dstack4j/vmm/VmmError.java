package org.dstack4j.vmm;

import java.time.Duration;
import org.dstack4j.sdk.TerminalText;

/** Why a VMM call failed; {@link #describe()} is one line naming the VMM (scheme, host, port) and the call. */
public sealed interface VmmError {
    /** Most code points of VMM-supplied text (a message, a status, a console line) shown, escaped, in one line. */
    int SHOWN = 500;

    String describe();

    /** The VMM is not reachable (refused, reset, DNS, TLS). */
    record Down(String vmm, String call, String reason) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " is unreachable (" + reason + ") for " + call + "; is dstack-vmm running? check --vmm-url";
        }
    }

    /** No complete answer within the deadline. */
    record Timeout(String vmm, String call, Duration after) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " did not answer " + call + " within " + after.toMillis() + " ms";
        }
    }

    /** HTTP 401/403: the token or the Basic credentials were refused (never shown). */
    record AuthRefused(String vmm, String call, int status) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " refused " + call + " (HTTP " + status + "): check --token / DSTACK_VMM_TOKEN or --user/--password";
        }
    }

    /** The VMM's own error ({@code HTTP 400 {"error": …}}), e.g. an unknown VM. */
    record Rpc(String vmm, String call, String message) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " refused " + call + ": " + TerminalText.escape(message, VmmError.SHOWN);
        }
    }

    /** The VM exists but is in the wrong state for the call (checked before sending). */
    record WrongState(String vmId, String call, String status, String fix) implements VmmError {
        public String describe() {
            return "VM " + vmId + " is " + TerminalText.escape(status, VmmError.SHOWN) + ": " + call + " " + fix;
        }
    }

    /** No VM with that id. */
    record UnknownVm(String vmm, String vmId) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " has no VM " + TerminalText.escape(vmId, VmmError.SHOWN) + " ('dstack4j cvm ls' lists them)";
        }
    }

    /** Another status, an oversized answer or one that is not the proto's JSON. */
    record Malformed(String vmm, String call, String reason) implements VmmError {
        public String describe() {
            return "VMM " + vmm + " answered " + call + " unexpectedly: " + reason;
        }
    }
}
