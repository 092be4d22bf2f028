package org.dstack4j.tls;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.dstack4j.chain.Address;
import org.dstack4j.cluster.node.Attestor;
import org.dstack4j.cluster.secret.KeyDerivation;

/**
 * One member's side of unstoppable TLS for one domain: derive the key, get a certificate every member accepts
 * (from the shared {@link CertificateStore}, or over ACME when this member's turn in the {@link IssuerElection}
 * has come and no valid one is stored), and serve HTTPS with it and the attestation of its key.
 */
public final class UnstoppableTls {
    /**
     * @param domain        the served domain
     * @param acme          the ACME directory the elected member orders from
     * @param acmeRoots     the roots a certificate must chain to (the ACME CA's)
     * @param store         the shared, host-controlled certificate folder
     * @param fallbackDelay how long the k-th member in the election waits (× k) before ordering itself
     * @param pollInterval  how often the store is read while waiting
     * @param deadline      how long {@link #certificate()} tries before giving up
     * @param renewBefore   a stored certificate expiring within this is renewed by the member whose turn it is
     *                      (Let's Encrypt advises a third of the lifetime, e.g. 30 days of 90)
     */
    public record Settings(Domain domain, AcmeDirectory acme, List<X509Certificate> acmeRoots, CertificateStore store,
            Duration fallbackDelay, Duration pollInterval, Duration deadline, Duration renewBefore) {
        public Settings {
            acmeRoots = List.copyOf(acmeRoots);
        }
    }

    /** No certificate could be obtained or accepted; the message names the domain and the last refusal. */
    public static final class TlsException extends Exception {
        TlsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Settings settings;
    private final KeyPair domainKey;
    private final KeyPair accountKey;
    private final Address me;
    private final java.util.function.Supplier<List<Address>> members;
    private final Attestor attestor;
    private final Http01Responder responder;
    private final Clock clock;
    private final CertificateCheck check;
    /** When this object first found no valid stored certificate (its fallback turn counts from there); null once one is seen. */
    private volatile Instant missingSince;
    /** The chain this member last ordered and stored; null before. */
    private volatile List<X509Certificate> ordered;

    /** A member of a fixed set of members. */
    public UnstoppableTls(Settings settings, KeyDerivation keys, Address me, List<Address> members, Attestor attestor,
            Http01Responder responder, Clock clock) {
        this(settings, keys, me, fixed(members), attestor, responder, clock);
    }

    private static java.util.function.Supplier<List<Address>> fixed(List<Address> members) {
        List<Address> m = List.copyOf(members);
        return () -> m;
    }

    /**
     * A member of a cluster whose members change: {@code members} is read at each step (the node daemon's view of the
     * contract's events). Keeps nothing from {@code keys} but the two derived key pairs.
     *
     * @throws IllegalArgumentException if {@code me} is not among the members now
     */
    public UnstoppableTls(Settings settings, KeyDerivation keys, Address me, java.util.function.Supplier<List<Address>> members,
            Attestor attestor, Http01Responder responder, Clock clock) {
        this.settings = settings;
        this.domainKey = DomainKeys.tls(keys, settings.domain());
        this.accountKey = DomainKeys.acmeAccount(keys);
        this.me = me;
        this.members = members;
        this.attestor = attestor;
        this.responder = responder;
        this.clock = clock;
        this.check = new CertificateCheck(settings.acmeRoots(), settings.domain(), domainKey.getPublic());
        responder.answerAnyToken(java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(org.shredzone.acme4j.toolbox.JoseUtils.thumbprint(accountKey.getPublic())));
        IssuerElection.delay(settings.domain(), members.get(), me, settings.fallbackDelay()); // fails now if me is not a member
    }

    /** The derived key's public half (the same on every member). */
    public java.security.PublicKey publicKey() {
        return domainKey.getPublic();
    }

    /** What the store holds now: empty when there is no file, else the check's outcome (a bad file is a refusal). */
    public Optional<CertificateCheck.Outcome> checkStored() {
        try {
            return settings.store().read(settings.domain()).map(chain -> check.check(chain, clock.instant()));
        } catch (IOException e) {
            return Optional.of(new CertificateCheck.Refused("chain", e.getMessage()));
        }
    }

    /**
     * A certificate this member will serve: a stored one that passes the check, else (once this member's turn has
     * come) a new one ordered over ACME, checked, then stored for the others. A stored one that expires within
     * {@code renewBefore} is renewed the same way by the member whose turn has come; if that order fails, the
     * still-valid stored one is returned (and the next call tries again).
     *
     * <p>Turns are counted from moments every member sees alike, not from the call: for a renewal, from the moment the
     * stored certificate became due ({@code notAfter − renewBefore}), so a member that calls this periodically takes
     * over when the earlier ones did not renew; with nothing valid stored, from the first call of this object that
     * found none (kept across calls until a valid one is seen).
     *
     * @throws TlsException when the deadline passes, or ACME fails with nothing valid stored, or what ACME returned
     *                      fails the check
     */
    public CertificateCheck.Accepted certificate() throws TlsException, InterruptedException {
        Instant end = clock.instant().plus(settings.deadline());
        String last = "no certificate stored at " + settings.store().file(settings.domain());
        while (true) {
            Optional<CertificateCheck.Outcome> stored = checkStored();
            Instant now = clock.instant();
            Duration delay = IssuerElection.delay(settings.domain(), members.get(), me, settings.fallbackDelay());
            if (stored.isPresent() && stored.get() instanceof CertificateCheck.Accepted a) {
                missingSince = null;
                Instant due = a.chain().getFirst().getNotAfter().toInstant().minus(settings.renewBefore());
                if (now.isBefore(due.plus(delay))) return a;
                try {
                    return order(stored);
                } catch (TlsException e) {
                    return a;
                }
            }
            if (stored.isPresent() && stored.get() instanceof CertificateCheck.Refused r) last = "stored certificate refused (" + r.step() + "): " + r.reason();
            if (missingSince == null) missingSince = now;
            if (!now.isBefore(missingSince.plus(delay))) return order(stored);
            if (!now.isBefore(end)) {
                throw new TlsException("no certificate for " + settings.domain() + " within " + settings.deadline() + ": " + last, null);
            }
            Thread.sleep(settings.pollInterval().toMillis());
        }
    }

    /**
     * Orders over ACME, checks what comes back, and publishes it, unless another member stored a valid chain (not due
     * for renewal) while this one ordered: then that one is returned, so members that ordered at once (a joiner elected
     * first while the previous first was still ordering) serve one certificate. {@code seen} is what the store held
     * before the order. Only the first chain of a domain is stored atomically ({@link CertificateStore#writeIfAbsent});
     * two renewals that finish together can each replace the file, and the members then serve two chains (for the same
     * key) until the next recheck reads the one that stayed.
     */
    private CertificateCheck.Accepted order(Optional<CertificateCheck.Outcome> seen) throws TlsException, InterruptedException {
        List<X509Certificate> chain;
        try {
            chain = new AcmeIssuer(settings.acme()).obtain(accountKey, domainKey, settings.domain(), responder);
        } catch (AcmeIssuer.IssueException e) {
            throw new TlsException(e.getMessage(), e);
        }
        return switch (check.check(chain, clock.instant())) {
            case CertificateCheck.Accepted a -> {
                Optional<CertificateCheck.Accepted> other = publish(a, seen);
                if (other.isPresent()) yield other.get();
                ordered = a.chain();
                yield a;
            }
            case CertificateCheck.Refused r ->
                throw new TlsException("the ACME server's certificate for " + settings.domain() + " is refused (" + r.step() + "): " + r.reason(), null);
        };
    }

    /** Stores {@code mine} for the others; returns instead a valid chain another member stored since {@code seen}. */
    private Optional<CertificateCheck.Accepted> publish(CertificateCheck.Accepted mine, Optional<CertificateCheck.Outcome> seen) {
        try {
            if (seen.isEmpty() && settings.store().writeIfAbsent(settings.domain(), mine.chain())) return Optional.empty();
            Optional<CertificateCheck.Outcome> now = checkStored();
            // another member's fresh chain, not one due for renewal (which the host could copy back to make members drop
            // every new order and burn the CA's rate limit)
            if (now.isPresent() && now.get() instanceof CertificateCheck.Accepted stored && !now.equals(seen) && !due(stored)) {
                return Optional.of(stored);
            }
            settings.store().write(settings.domain(), mine.chain());
        } catch (IOException e) {
            // serving does not need the store; the other members will order their own after their delay
        }
        return Optional.empty();
    }

    /** Whether {@code a} is within {@code renewBefore} of its notAfter (its renewal has begun). */
    private boolean due(CertificateCheck.Accepted a) {
        return !clock.instant().isBefore(a.chain().getFirst().getNotAfter().toInstant().minus(settings.renewBefore()));
    }

    /**
     * Whether {@code accepted} is the chain this member itself ordered last (false for one another member stored, also
     * when this member ordered too but kept the other's).
     */
    public boolean orderedHere(CertificateCheck.Accepted accepted) {
        List<X509Certificate> mine = ordered;
        return mine != null && mine.equals(accepted.chain());
    }

    /**
     * Serves HTTPS with {@code accepted} and the attestation of the key (a quote from this member's TEE).
     *
     * @throws TlsException if the TEE gives no evidence
     */
    public TlsServer serve(InetSocketAddress address, CertificateCheck.Accepted accepted, HttpHandler app)
            throws TlsException, IOException {
        byte[] evidence;
        try {
            evidence = attestor.evidence(TlsAttestation.reportData(domainKey.getPublic())).encode();
        } catch (Attestor.AttestationException e) {
            throw new TlsException("no attestation for the TLS key of " + settings.domain() + ": " + e.getMessage(), e);
        }
        return TlsServer.start(address, domainKey, accepted, evidence, app);
    }
}
