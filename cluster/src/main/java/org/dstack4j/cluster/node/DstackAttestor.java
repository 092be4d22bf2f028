package org.dstack4j.cluster.node;

import java.util.Arrays;
import java.util.Objects;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.crypto.SigningKey;
import org.dstack4j.cluster.binding.Evidence;
import org.dstack4j.sdk.DstackClient;
import org.dstack4j.sdk.DstackException;
import org.dstack4j.sdk.EventLog;
import org.dstack4j.sdk.GetQuoteResponse;

/**
 * {@link Attestor} over the dstack guest agent's socket (ours or dstack's): the node address is the secp256k1
 * address of {@code GetKey("dstack4j/cluster/node/v1")}; evidence is {@code GetQuote} plus the node's own measured
 * app-compose text.
 */
public final class DstackAttestor implements Attestor {
    /** The node-address key path (docs/cluster-protocol.md "Identifiers"). */
    public static final String NODE_KEY_PATH = "dstack4j/cluster/node/v1";

    private final DstackClient agent;
    private final String appCompose;

    /**
     * @param agent      the agent client (its timeouts and size caps apply)
     * @param appCompose this CVM's app-compose text, exactly as measured (its SHA-256 is the compose-hash event)
     */
    public DstackAttestor(DstackClient agent, String appCompose) {
        this.agent = Objects.requireNonNull(agent, "agent");
        this.appCompose = Objects.requireNonNull(appCompose, "appCompose");
    }

    @Override
    public Address nodeAddress() throws AttestationException {
        byte[] key = null;
        try {
            key = agent.getKey(NODE_KEY_PATH, "", "secp256k1").key();
            return SigningKey.of(key).address();
        } catch (DstackException e) {
            throw new AttestationException("the agent did not give the node key: " + e.getMessage(), e);
        } finally {
            if (key != null) Arrays.fill(key, (byte) 0);
        }
    }

    @Override
    public Evidence evidence(byte[] reportData) throws AttestationException {
        try {
            GetQuoteResponse r = agent.getQuote(reportData);
            return new Evidence(r.quote(), EventLog.of(r.eventLog()).toJson(), appCompose);
        } catch (DstackException e) {
            throw new AttestationException("the agent did not give a quote: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new AttestationException("the agent's evidence exceeds the protocol's size caps: " + e.getMessage(), e);
        }
    }
}
