/**
 * Unstoppable TLS (docs/tls.md): every cluster member derives the same P-256 key for a domain from the cluster
 * secret ({@link org.dstack4j.tls.DomainKeys}), one elected member obtains the certificate over ACME
 * ({@link org.dstack4j.tls.AcmeIssuer}, {@link org.dstack4j.tls.IssuerElection}), every member checks it before
 * serving ({@link org.dstack4j.tls.CertificateCheck}) and serves HTTPS with an attestation endpoint
 * ({@link org.dstack4j.tls.TlsServer}); a client checks a server with {@link org.dstack4j.tls.TlsAttestationCheck}.
 */
package org.dstack4j.tls;
