package org.dstack4j.cli.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.dstack4j.near.mpc.AllowedImage;
import org.dstack4j.near.mpc.ContractVersion;
import org.dstack4j.near.mpc.MpcContract;
import org.dstack4j.near.mpc.Vote;
import org.dstack4j.near.mpc.VoteSender;
import org.dstack4j.near.mpc.Votes;
import org.dstack4j.near.rpc.NearRpcException;
import org.dstack4j.near.tx.Ed25519Key;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dstack4j contract …}: the MPC contract's views and votes over NEAR JSON-RPC (docs/operator.md). */
@Command(
        name = "contract",
        header = "Read the MPC contract on NEAR (approved images, launchers, OS measurements, state) and vote.",
        mixinStandardHelpOptions = true,
        description = {
            "Views of NEAR's MPC contract read over JSON-RPC at final finality, and the operator's votes.",
            "A vote prints its exact JSON arguments and the equivalent near-cli-rs command; with --key-file it",
            "also signs the transaction (borsh, Ed25519) and sends it, waiting until it is final.",
            ""
        },
        footer = {
            "",
            "Exit status: 0 done, 1 the RPC or the contract refused or failed, 2 bad input.",
            "",
            "Examples:",
            "  dstack4j contract allowed-images --near-rpc https://rpc.mainnet.near.org --contract v1.signer",
            "  dstack4j contract vote-code-hash sha256:<64 hex> --near-rpc URL --contract v1.signer \\",
            "      --signer me.near",
            "  dstack4j measure ... --output json > m.json && dstack4j contract vote-os-measurement m.json ...",
            "  dstack4j contract vote-new-participant --account carol.near --url https://carol:80 \\",
            "      --tls-public-key ed25519:... --near-rpc URL --contract v1.signer \\",
            "      --key-file ~/.near-credentials/mainnet/me.near.json"
        },
        subcommands = {
            ContractCommand.AllowedImages.class, ContractCommand.AllowedLauncherImages.class,
            ContractCommand.AllowedLauncherComposeHashes.class, ContractCommand.OsMeasurements.class,
            ContractCommand.State.class, ContractCommand.Version.class, ContractCommand.TeeAccounts.class,
            ContractCommand.Attestation.class,
            ContractCommand.VoteCodeHash.class, ContractCommand.VoteLauncherHash.class,
            ContractCommand.VoteOsMeasurement.class, ContractCommand.VoteNewParticipant.class
        })
public final class ContractCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Largest measurement file read: 1 MiB. */
    static final int MAX_MEASUREMENT_FILE = 1 << 20;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command body that reads the contract. */
    interface Body {
        int run(MpcContract contract, PrintWriter out) throws NearRpcException, IOException;
    }

    /** Runs {@code body} with the contract; one line on stderr and exit 1 (RPC, contract) or 2 (input) on failure. */
    static int with(CommandSpec spec, NearOptions near, Body body) {
        PrintWriter err = spec.commandLine().getErr();
        MpcContract contract;
        try {
            contract = near.open();
        } catch (IllegalArgumentException e) {
            err.println("dstack4j contract: " + e.getMessage());
            return 2;
        }
        try {
            return body.run(contract, spec.commandLine().getOut());
        } catch (NearRpcException e) {
            err.println("dstack4j contract: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("dstack4j contract: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("dstack4j contract: " + e.getMessage());
            return 2;
        } finally {
            contract.rpc().close();
        }
    }

    static void printJson(PrintWriter out, JsonNode n) throws IOException {
        out.println(JSON.writeValueAsString(n));
    }

    /** A view printed as the contract's JSON. */
    abstract static class JsonView implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;

        abstract JsonNode read(MpcContract c) throws NearRpcException;

        @Override
        public Integer call() {
            return with(spec, near, (c, out) -> {
                printJson(out, read(c));
                return 0;
            });
        }
    }

    enum Output { text, json }

    @Command(name = "allowed-images", mixinStandardHelpOptions = true,
            description = {"allowed_docker_image_hashes: the approved MPC node image digests, newest first, with their expiry",
                "(3.14+; none before). Text: one 'sha256:<hex> [expires <UTC time>]' line each."})
    static final class AllowedImages implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;
        @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "Default: ${DEFAULT-VALUE}")
        Output output;

        @Override
        public Integer call() {
            return with(spec, near, (c, out) -> {
                var images = c.allowedImages();
                if (output == Output.json) {
                    var arr = JSON.createArrayNode();
                    for (AllowedImage i : images) {
                        var o = arr.addObject().put("image_hash", i.hex());
                        if (i.expiry().isPresent()) o.put("expiry_timestamp_seconds", i.expiry().getAsLong()); else o.putNull("expiry_timestamp_seconds");
                    }
                    printJson(out, arr);
                } else {
                    for (AllowedImage i : images) {
                        out.println(i.digest() + (i.expiry().isPresent() ? " expires " + java.time.Instant.ofEpochSecond(i.expiry().getAsLong()) : ""));
                    }
                    if (images.isEmpty()) out.println("(no approved image)");
                }
                return 0;
            });
        }
    }

    @Command(name = "allowed-launcher-images", mixinStandardHelpOptions = true,
            description = "allowed_launcher_image_hashes: approved launcher image digests (JSON array of 64 hex).")
    static final class AllowedLauncherImages extends JsonView {
        JsonNode read(MpcContract c) throws NearRpcException {
            return JSON.valueToTree(c.allowedLauncherImages());
        }
    }

    @Command(name = "allowed-launcher-compose-hashes", mixinStandardHelpOptions = true,
            description = {"allowed_launcher_compose_hashes: SHA-256 of each launcher compose the contract allows,",
                "rendered from its template for every approved launcher x MPC digest pair (64 hex each)."})
    static final class AllowedLauncherComposeHashes extends JsonView {
        JsonNode read(MpcContract c) throws NearRpcException {
            return JSON.valueToTree(c.allowedLauncherComposeHashes());
        }
    }

    @Command(name = "os-measurements", mixinStandardHelpOptions = true,
            description = "allowed_os_measurements: [{mrtd, rtmr0, rtmr1, rtmr2, key_provider_event_digest}], 96 hex each.")
    static final class OsMeasurements extends JsonView {
        JsonNode read(MpcContract c) throws NearRpcException {
            return c.allowedOsMeasurements();
        }
    }

    @Command(name = "state", mixinStandardHelpOptions = true,
            description = "state(): the protocol state ({\"Running\": {...}} with participants, threshold, keyset epoch).")
    static final class State extends JsonView {
        JsonNode read(MpcContract c) throws NearRpcException {
            return c.state();
        }
    }

    @Command(name = "version", mixinStandardHelpOptions = true, description = "version(): the contract's version, e.g. 3.14.1.")
    static final class Version implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;

        @Override
        public Integer call() {
            return with(spec, near, (c, out) -> {
                ContractVersion v = c.version();
                out.println(v + " (vote_new_parameters takes the " + v.proposalShape().name().toLowerCase() + " proposal)");
                return 0;
            });
        }
    }

    @Command(name = "tee-accounts", mixinStandardHelpOptions = true,
            description = "get_tee_accounts: [{account_id, tls_public_key, account_public_key}] of nodes with an accepted attestation.")
    static final class TeeAccounts extends JsonView {
        JsonNode read(MpcContract c) throws NearRpcException {
            return c.teeAccounts();
        }
    }

    @Command(name = "attestation", mixinStandardHelpOptions = true,
            description = "get_attestation(tls_public_key): the attestation the contract verified for that node, or null.")
    static final class Attestation extends JsonView {
        @Parameters(paramLabel = "TLS_PUBLIC_KEY", description = "the node's TLS key, ed25519:<base58> (its /public_data near_p2p_public_key)")
        String tlsKey;

        JsonNode read(MpcContract c) throws NearRpcException {
            return c.attestation(Votes.ed25519("TLS_PUBLIC_KEY", tlsKey));
        }
    }

    /** Options every vote takes. */
    static final class VoteOptions {
        @Option(names = "--signer", paramLabel = "ACCOUNT",
                description = "the voting participant's account (default: the key file's account_id)")
        String signer;

        @Option(names = "--key-file", paramLabel = "FILE",
                description = "sign and send with this NEAR credentials file ({account_id, public_key, private_key}); without it the vote is only printed")
        Path keyFile;

        @Option(names = "--network", paramLabel = "NAME", defaultValue = "mainnet",
                description = "near-cli-rs network-config in the printed command. Default: ${DEFAULT-VALUE}")
        String network;
    }

    /** Prints the vote and, with a key file, sends it. */
    static int vote(CommandSpec spec, NearOptions near, VoteOptions opts, VoteBuilder builder) {
        return with(spec, near, (c, out) -> {
            Ed25519Key.KeyFile kf = opts.keyFile == null ? null : Ed25519Key.readKeyFile(opts.keyFile);
            String signer = opts.signer != null ? opts.signer : kf != null ? kf.accountId() : null;
            if (kf != null && signer == null) throw new IllegalArgumentException("--signer is required: the key file has no account_id");
            if (signer != null) Votes.accountId("--signer", signer);
            if (!opts.network.matches("[a-z0-9-]{1,32}")) throw new IllegalArgumentException("--network must be a near-cli-rs network name, e.g. mainnet");
            Vote v = builder.build(c, out);
            out.println("vote:      " + v.method() + " on " + c.account());
            out.println("arguments: " + v.argsJson());
            out.println("near CLI:  " + v.nearCommand(c.account(), signer == null ? "<your-account>" : signer, opts.network));
            if (kf == null) {
                out.println("not sent (no --key-file)");
                return 0;
            }
            out.flush();
            String hash = new VoteSender(c).send(v, signer, kf.key());
            out.println("sent:      transaction " + hash + " by " + signer + ", final");
            return 0;
        });
    }

    interface VoteBuilder {
        Vote build(MpcContract c, PrintWriter out) throws NearRpcException, IOException;
    }

    /** A vote on one image digest. */
    abstract static class HashVote implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;
        @Mixin
        VoteOptions vote;
        @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex> or 64 hex")
        String digest;

        abstract Vote build(String digest);

        @Override
        public Integer call() {
            return ContractCommand.vote(spec, near, vote, (c, out) -> build(digest));
        }
    }

    @Command(name = "vote-code-hash", mixinStandardHelpOptions = true,
            description = {"vote_code_hash: approve an MPC node image digest (the manifest digest, what",
                "'docker pull name@sha256:...' names). Once a threshold voted, allowed-images lists it."})
    static final class VoteCodeHash extends HashVote {
        Vote build(String digest) {
            return Votes.codeHash(digest);
        }
    }

    @Command(name = "vote-launcher-hash", mixinStandardHelpOptions = true,
            description = "vote_add_launcher_hash: approve a launcher image digest ({{LAUNCHER_IMAGE_HASH}} of the contract's template).")
    static final class VoteLauncherHash extends HashVote {
        Vote build(String digest) {
            return Votes.launcherHash(digest);
        }
    }

    @Command(name = "vote-os-measurement", mixinStandardHelpOptions = true,
            description = {"vote_add_os_measurement: approve an OS measurement set, from 'dstack4j measure ... --key-provider",
                "local-sgx:<mr_enclave> --output json' (its mrtd, rtmr0-2 and key_provider_event_digest)."})
    static final class VoteOsMeasurement implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;
        @Mixin
        VoteOptions vote;
        @Parameters(paramLabel = "FILE", description = "the measure JSON (at most 1 MiB)")
        Path file;

        @Override
        public Integer call() {
            return ContractCommand.vote(spec, near, vote, (c, out) -> {
                byte[] bytes;
                try {
                    bytes = org.dstack4j.measure.InputFiles.read(file, "the measurement file", MAX_MEASUREMENT_FILE);
                } catch (org.dstack4j.measure.MeasureInputException e) {
                    throw new IllegalArgumentException(e.getMessage());
                }
                JsonNode m;
                try {
                    m = JSON.readTree(bytes);
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + " is not JSON (write it with 'dstack4j measure ... --output json')");
                }
                return Votes.osMeasurement(m);
            });
        }
    }

    @Command(name = "vote-new-participant", mixinStandardHelpOptions = true,
            description = {"vote_new_parameters adding one participant: reads state() (must be Running) and version(), appends",
                "[ACCOUNT, next_id, {url, tls_public_key}], keeps or sets the threshold, proposes epoch + 1, in the",
                "argument shape of that version (3.11 and before: {participants, threshold}; 3.12 on:",
                "{parameters: {participants, threshold}, per_domain_thresholds: {}})."})
    static final class VoteNewParticipant implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        NearOptions near;
        @Mixin
        VoteOptions vote;
        @Option(names = "--account", required = true, paramLabel = "ACCOUNT", description = "the new participant's NEAR account")
        String account;
        @Option(names = "--url", required = true, paramLabel = "URL", description = "its P2P URL, e.g. https://node.example:80")
        String url;
        @Option(names = "--tls-public-key", required = true, paramLabel = "ed25519:...", description = "its TLS key (/public_data near_p2p_public_key)")
        String tlsKey;
        @Option(names = "--threshold", paramLabel = "N", description = "the new threshold (default: keep the current one)")
        Long threshold;

        @Override
        public Integer call() {
            return ContractCommand.vote(spec, near, vote, (c, out) -> {
                ContractVersion v = c.version();
                out.println("contract:  version " + v + ", " + v.proposalShape().name().toLowerCase() + " proposal");
                return Votes.newParticipant(c.state(), v, account, url, tlsKey,
                        threshold == null ? OptionalLong.empty() : OptionalLong.of(threshold));
            });
        }
    }

}
