package org.dstack4j.cluster.node;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.dstack4j.chain.crypto.Signature;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.contract.ClusterTypedData;
import org.dstack4j.cluster.join.JoinCheck;
import org.dstack4j.cluster.join.JoinChecks;
import org.dstack4j.cluster.join.JoinOutcome;
import org.dstack4j.cluster.join.RequestView;
import org.dstack4j.cluster.seal.OnboardSeal;
import org.dstack4j.cluster.seal.SealContext;
import org.dstack4j.cluster.secret.ClusterSecret;
import org.dstack4j.cluster.secret.EcKey;
import org.dstack4j.cluster.secret.KeyDerivation;
import org.dstack4j.cluster.join.MemberSettings;

/**
 * A member's answer to one join request, chain-agnostic: run the {@link JoinChecks}; on success seal the secret to
 * the request's key (HPKE bound to chain, contract, request, epoch and evidence) and sign the EIP-712 {@code Onboard}
 * with the cluster signer; on a failed check sign a {@code Reject} naming it; when undecided, answer nothing.
 * The caller relays the answer (EVM: {@code onboard(id, sealed, sig)} / {@code reject(id, check, sig)}).
 */
public final class Member {
    private final ClusterSecret secret;
    private final MemberSettings settings;
    private final JoinChecks checks;

    /**
     * @throws IllegalArgumentException if the secret does not derive {@code settings.keys()} (a member never answers
     *     for a cluster whose keys it cannot reproduce)
     */
    public Member(ClusterSecret secret, MemberSettings settings, JoinChecks checks) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.checks = Objects.requireNonNull(checks, "checks");
        if (!KeyDerivation.of(secret, settings.cluster()).publicKeys().equals(settings.keys())) {
            throw new IllegalArgumentException("the cluster secret does not derive the settings' cluster keys " + settings.keys());
        }
    }

    /** A member's answer. */
    public sealed interface Answer permits Onboard, Reject, NoAnswer {}

    /**
     * Onboard the newcomer.
     *
     * @param sealed    80 bytes, HPKE to the request's key
     * @param signature the cluster signer's EIP-712 {@code Onboard(requestId, keccak256(sealed), epoch)}
     */
    public record Onboard(BigInteger requestId, byte[] sealed, Signature signature, JoinOutcome.Passed checks) implements Answer {
        public Onboard {
            sealed = sealed.clone();
        }

        @Override
        public byte[] sealed() {
            return sealed.clone();
        }
    }

    /** Reject with the failed check; {@code signature} is the EIP-712 {@code Reject(requestId, check.number())}. */
    public record Reject(BigInteger requestId, JoinCheck check, String reason, Signature signature) implements Answer {}

    /** Nothing is sent (an input was unavailable); another member or a later attempt may answer. */
    public record NoAnswer(JoinOutcome.Undecided why) implements Answer {}

    /**
     * Decides on a request.
     *
     * @param request  the request at the member's confirmed view
     * @param evidence the evidence bytes from the request's event
     * @param epoch    the contract's epoch
     */
    public Answer answer(RequestView request, byte[] evidence, long epoch) {
        JoinOutcome outcome = checks.check(request, evidence);
        ClusterTypedData typed = settings.cluster().typedData();
        return switch (outcome) {
            case JoinOutcome.Passed p -> {
                byte[] sealed = OnboardSeal.seal(secret, request.encKey(),
                        new SealContext(settings.cluster(), request.requestId(), epoch, request.evidenceHash()));
                yield new Onboard(request.requestId(), sealed, sign(typed.onboardDigest(request.requestId(), sealed, epoch)), p);
            }
            case JoinOutcome.Failed f -> new Reject(request.requestId(), f.check(), f.reason(),
                    sign(typed.rejectDigest(request.requestId(), f.check().number())));
            case JoinOutcome.Undecided u -> new NoAnswer(u);
        };
    }

    private Signature sign(byte[] digest) {
        try (EcKey k = KeyDerivation.of(secret, settings.cluster()).signerKey()) {
            byte[] scalar = k.privateScalar();
            try {
                return SigningKey.of(scalar).sign(digest);
            } finally {
                Arrays.fill(scalar, (byte) 0);
            }
        }
    }
}
