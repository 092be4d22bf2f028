package org.dstack4j.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.dstack4j.chain.Address;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.rpc.ChainView;
import org.dstack4j.chain.rpc.JsonRpcClient;
import org.dstack4j.cluster.audit.ClusterHistory;
import org.dstack4j.cluster.contract.ClusterContract;
import org.dstack4j.cluster.contract.ClusterEvent;
import org.dstack4j.cluster.contract.ClusterReads;
import org.dstack4j.cluster.contract.JoinRequest;
import org.dstack4j.cluster.contract.PolicyKind;
import org.dstack4j.cluster.contract.RequestState;
import org.dstack4j.cluster.join.JoinCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dstack4j cluster status}: what the contract records, read at one confirmed block. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the cluster as the contract records it, read at one block: governor (and a pending one), configuration,",
            "cluster signer and encryption key, members, join requests (pending with their last block, onboarded, refused with",
            "the failed check's name), the policy per kind (oldest first), time-locked proposals with the time they become",
            "applicable, and approved images (newest first). 'cluster audit-join ID' re-runs the checks of one request."})
public final class StatusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ChainOptions chain;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
    String contract;

    @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "0", description = "Read at head minus this many blocks.")
    int confirmations;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text (indented JSON) or json (one line).")
    String output;

    @Option(names = "--from-block", paramLabel = "BLOCK", defaultValue = "0",
            description = "First block to read events from (members, proposals): the contract's deployment block on a long chain.")
    long fromBlock;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) throw new CommandLine.ParameterException(spec.commandLine(), "--output is text or json");
        try (JsonRpcClient rpc = chain.client()) {
            ClusterContract c = new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
            ChainView v = ChainView.pin(rpc, confirmations);
            ClusterReads r = c.reads(v);
            ClusterHistory history = ClusterHistory.read(c, v, fromBlock);
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode();
            o.put("block", v.blockNumber());
            o.put("governor", r.governor().toLowerHex());
            if (!r.pendingGovernor().equals(Address.ZERO)) o.put("pending_governor", r.pendingGovernor().toLowerHex());
            long ttl = r.requestTtl();
            o.putObject("config").put("policy_delay_s", r.policyDelay()).put("max_anchor_age_blocks", r.maxAnchorAge()).put("request_ttl_blocks", ttl);
            o.put("signer", r.clusterSigner().toLowerHex());
            o.put("enc_key", Hex.data(r.clusterEncKey()));
            o.put("epoch", r.epoch());
            Set<Address> members = new LinkedHashSet<>();
            for (ClusterContract.Emitted e : history.events()) {
                switch (e.event()) {
                    case ClusterEvent.Bootstrapped b -> members.add(b.node());
                    case ClusterEvent.Onboarded on -> members.add(on.node());
                    case ClusterEvent.MemberRemoved m -> members.remove(m.node());
                    default -> { }
                }
            }
            ArrayNode ms = o.putArray("members");
            members.forEach(m -> ms.add(m.toLowerHex()));
            ArrayNode pending = o.putArray("pending");
            ArrayNode onboarded = o.putArray("onboarded");
            ArrayNode refused = o.putArray("refused");
            for (BigInteger id = BigInteger.ONE; id.compareTo(r.requestCount()) <= 0; id = id.add(BigInteger.ONE)) {
                JoinRequest q = r.request(id);
                ObjectNode e = json.createObjectNode().put("request", id.toString()).put("node", q.node().toLowerHex())
                        .put("block", q.requestBlock());
                if (q.state() == RequestState.PENDING) {
                    // past its TTL a request can no longer be onboarded (only rejected): the node must ask again
                    pending.add(e.put("last_block", q.requestBlock() + ttl).put("expired", v.blockNumber() > q.requestBlock() + ttl));
                }
                history.answer(id).ifPresent(a -> e.put("answered_block", a.blockNumber()));
                if (q.state() == RequestState.ONBOARDED) onboarded.add(e);
                if (q.state() == RequestState.REJECTED) {
                    int check = r.rejectedCheck(id);
                    refused.add(e.put("check", JoinCheck.ofNumber(check).map(JoinCheck::checkName).orElse("unknown")).put("check_number", check));
                }
            }
            ObjectNode policy = o.putObject("policy");
            for (PolicyKind k : PolicyKind.values()) {
                ArrayNode a = policy.putArray(k.cliName());
                for (byte[] val : r.policyValues(k)) a.add(Hex.data(val));
            }
            // time-locked additions not yet applied: applicable (by anyone, 'gov apply') from eta, chain time
            ArrayNode proposed = o.putArray("policy_proposed");
            long now = v.block().timestamp();
            for (ClusterHistory.Proposal p : history.pendingProposals()) {
                long eta = r.policyEta(p.kind(), p.value()); // the contract's word; the events only say which to ask about
                if (eta == 0) continue;
                proposed.addObject().put("kind", p.kind().cliName()).put("value", Hex.data(p.value())).put("eta", eta)
                        .put("eta_time", java.time.Instant.ofEpochSecond(eta).toString()).put("applicable", now >= eta);
            }
            ArrayNode images = o.putArray("approved_images"); // newest first
            for (byte[] img : r.approvedImages()) images.add(Hex.data(img));
            var out = spec.commandLine().getOut();
            if (output.equals("json")) {
                out.println(o.toString());
            } else {
                out.println(o.toPrettyString());
            }
            return 0;
        }
    }
}
