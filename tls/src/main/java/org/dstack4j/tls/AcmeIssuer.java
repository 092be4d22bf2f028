package org.dstack4j.tls;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeException;

/**
 * Obtains a certificate for a domain over ACME (RFC 8555, acme4j) with the HTTP-01 challenge: the account key and
 * the CSR's key are the cluster's derived keys, and the CSR is built and signed here, inside the member. What comes
 * back is not trusted until {@link CertificateCheck} accepts it.
 */
public final class AcmeIssuer {
    private final AcmeDirectory directory;

    public AcmeIssuer(AcmeDirectory directory) {
        this.directory = directory;
    }

    /** ACME refused or failed; the message names the step and the server's problem, never a key. */
    public static final class IssueException extends Exception {
        IssueException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs one order: account (created or found by its key), order for {@code domain}, HTTP-01 answered by
     * {@code responder}, CSR signed by {@code domainKey}, download.
     *
     * @return the chain, leaf first
     */
    public List<X509Certificate> obtain(KeyPair accountKey, KeyPair domainKey, Domain domain, Http01Responder responder)
            throws IssueException, InterruptedException {
        String step = "account";
        try {
            Session session = new Session(directory.directory(), directory.provider());
            Account account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey).create(session);
            step = "order";
            Order order = account.newOrder().domain(domain.name()).create();
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) continue;
                step = "http-01 challenge";
                Http01Challenge ch = auth.findChallenge(Http01Challenge.class).orElseThrow(
                        () -> new IssueException("the ACME server offers no http-01 challenge for " + domain, null));
                responder.put(ch.getToken(), ch.getAuthorization());
                try {
                    ch.trigger();
                    Status s = ch.waitForCompletion(directory.timeout());
                    if (s != Status.VALID) {
                        throw new IssueException("http-01 challenge for " + domain + " ended " + s
                                + ch.getError().map(p -> ": " + p).orElse(""), null);
                    }
                } finally {
                    responder.remove(ch.getToken());
                }
            }
            step = "finalize";
            order.waitUntilReady(directory.timeout());
            order.execute(domainKey);
            Status s = order.waitForCompletion(directory.timeout());
            if (s != Status.VALID) throw new IssueException("order for " + domain + " ended " + s + order.getError().map(p -> ": " + p).orElse(""), null);
            step = "download";
            return List.copyOf(order.getCertificate().getCertificateChain());
        } catch (AcmeException e) {
            throw new IssueException("ACME " + step + " at " + directory.directory() + " failed: " + e.getMessage(), e);
        }
    }
}
