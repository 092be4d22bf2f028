package org.dstack4j.near.mpc;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MPC contract's {@code version()}, e.g. {@code 3.12.0}; decides the argument shape of {@code vote_new_parameters}.
 */
public record ContractVersion(int major, int minor, int patch) implements Comparable<ContractVersion> {
    private static final Pattern SEMVER = Pattern.compile("(\\d{1,6})\\.(\\d{1,6})\\.(\\d{1,6})(?:[-+][0-9A-Za-z.+-]{0,64})?");

    /** @throws IllegalArgumentException when the text is not {@code MAJOR.MINOR.PATCH} (a pre-release tag is allowed) */
    public static ContractVersion parse(String text) {
        Matcher m = SEMVER.matcher(text.strip());
        if (!m.matches()) throw new IllegalArgumentException("contract version is not MAJOR.MINOR.PATCH (" + text.length() + " characters)");
        return new ContractVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /**
     * How {@code vote_new_parameters} takes its {@code proposal}: {@link ProposalShape#FLAT} {@code {participants,
     * threshold}} up to 3.11 (near/mpc {@code dtos::ThresholdParameters}); {@link ProposalShape#NESTED}
     * {@code {parameters: {participants, threshold}, per_domain_thresholds}} from 3.12 on
     * ({@code ProposedThresholdParameters}, in 3.14 {@code ProposedGovernanceThresholdParameters}).
     */
    public ProposalShape proposalShape() {
        return compareTo(new ContractVersion(3, 12, 0)) >= 0 ? ProposalShape.NESTED : ProposalShape.FLAT;
    }

    /** The two argument shapes of {@code vote_new_parameters}'s {@code proposal}. */
    public enum ProposalShape { FLAT, NESTED }

    @Override
    public int compareTo(ContractVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
