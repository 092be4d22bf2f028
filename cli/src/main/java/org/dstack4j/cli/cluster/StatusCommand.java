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
        description = {"Shows the cluster as the contract records it: governor, cluster signer and encryption key, members,",
            "join requests (pending, onboarded, refused with the failed check's name), policy and approved images."})
public final class StatusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ChainOptions chain;

    @Option(names = "--contract", paramLabel = "ADDRESS", required = true, description = "The DstackCluster contract.")
    String contract;

    @Option(names = "--confirmations", paramLabel = "BLOCKS", defaultValue = "0", description = "Read at head minus this many blocks.")
    int confirmations;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) throw new CommandLine.ParameterException(spec.commandLine(), "--output is text or json");
        try (JsonRpcClient rpc = chain.client()) {
            ClusterContract c = new ClusterContract(ChainOptions.address(spec.commandLine(), "--contract", contract));
            ChainView v = ChainView.pin(rpc, confirmations);
            ClusterReads r = c.reads(v);
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode();
            o.put("block", v.blockNumber());
            o.put("governor", r.governor().toLowerHex());
            o.put("signer", r.clusterSigner().toLowerHex());
            o.put("enc_key", Hex.data(r.clusterEncKey()));
            o.put("epoch", r.epoch());
            Set<Address> members = new LinkedHashSet<>();
            for (ClusterContract.Emitted e : c.events(v, 0, "Bootstrapped", "Onboarded", "MemberRemoved")) {
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
                ObjectNode e = json.createObjectNode().put("request", id.toString()).put("node", q.node().toLowerHex());
                if (q.state() == RequestState.PENDING) pending.add(e);
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
            ArrayNode images = o.putArray("approved_images");
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
