package org.dstack4j.cluster.contract;

import com.esaulpaugh.headlong.abi.ABIJSON;
import com.esaulpaugh.headlong.abi.ContractError;
import com.esaulpaugh.headlong.abi.Event;
import com.esaulpaugh.headlong.abi.Function;
import com.esaulpaugh.headlong.abi.Tuple;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dstack4j.chain.Hex;
import org.dstack4j.chain.Keccak;

/**
 * The compiled DstackCluster contract, loaded from the classpath resource
 * {@code org/dstack4j/cluster/contract/DstackCluster.json} written by {@code contracts/compile.mjs}: ABI,
 * init and runtime bytecode, compiler version and the source's SHA-256.
 */
public final class ContractArtifact {
    /** The resource name. */
    public static final String RESOURCE = "/org/dstack4j/cluster/contract/DstackCluster.json";

    private static volatile ContractArtifact instance;

    private final String abiJson;
    private final byte[] bytecode;
    private final byte[] deployedBytecode;
    private final String compilerVersion;
    private final String sourceSha256;
    private final List<int[]> immutables = new java.util.ArrayList<>();
    private final Map<String, Function> functions = new LinkedHashMap<>();
    private final Map<String, Event<Tuple>> events = new LinkedHashMap<>();
    private final Map<String, Event<Tuple>> eventsByTopic = new HashMap<>();
    private final Map<String, ContractError<Tuple>> errorsBySelector = new HashMap<>();

    private ContractArtifact(JsonNode root) {
        abiJson = root.get("abi").toString();
        bytecode = Hex.decode(root.get("bytecode").asText());
        deployedBytecode = Hex.decode(root.get("deployedBytecode").asText());
        compilerVersion = root.path("compiler").path("version").asText();
        sourceSha256 = root.path("sourceSha256").asText();
        for (JsonNode r : root.path("immutableReferences")) {
            immutables.add(new int[] {r.get("start").asInt(), r.get("length").asInt()});
        }
        for (Function f : ABIJSON.parseNormalFunctions(abiJson)) {
            if (functions.put(f.getName(), f) != null) {
                throw new IllegalStateException("overloaded function " + f.getName() + " in the artifact; the binding expects none");
            }
        }
        for (Event<Tuple> e : ABIJSON.parseEvents(abiJson)) {
            events.put(e.getName(), e);
            eventsByTopic.put(Hex.data(Keccak.keccak256(e.getCanonicalSignature())), e);
        }
        for (ContractError<Tuple> e : ABIJSON.parseErrors(abiJson)) {
            errorsBySelector.put(Hex.data(e.function().selector()), e);
        }
    }

    /** The artifact on the classpath (parsed once). */
    public static ContractArtifact load() {
        ContractArtifact a = instance;
        if (a == null) {
            try (InputStream in = ContractArtifact.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCE + "; run `node contracts/compile.mjs`");
                }
                a = new ContractArtifact(new ObjectMapper().readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
            instance = a;
        }
        return a;
    }

    /** The ABI JSON array. */
    public String abiJson() {
        return abiJson;
    }

    /** Init code (constructor arguments are appended ABI-encoded). */
    public byte[] bytecode() {
        return bytecode.clone();
    }

    /** Runtime code, as {@code eth_getCode} returns it after deployment. */
    public byte[] deployedBytecode() {
        return deployedBytecode.clone();
    }

    /**
     * True when {@code code} (from {@code eth_getCode}) is this artifact's runtime code, the immutables
     * (constructor-set constants) aside.
     */
    public boolean matchesRuntimeCode(byte[] code) {
        if (code.length != deployedBytecode.length) {
            return false;
        }
        byte[] masked = code.clone();
        for (int[] r : immutables) {
            java.util.Arrays.fill(masked, r[0], r[0] + r[1], (byte) 0);
        }
        return java.util.Arrays.equals(masked, deployedBytecode);
    }

    /** e.g. {@code 0.8.37+commit.f401782d.Emscripten.clang}. */
    public String compilerVersion() {
        return compilerVersion;
    }

    /** SHA-256 (hex) of {@code contracts/DstackCluster.sol} as compiled. */
    public String sourceSha256() {
        return sourceSha256;
    }

    /** A function by name. */
    public Function function(String name) {
        Function f = functions.get(name);
        if (f == null) {
            throw new IllegalArgumentException("DstackCluster has no function " + name);
        }
        return f;
    }

    /** An event by name. */
    public Event<Tuple> event(String name) {
        Event<Tuple> e = events.get(name);
        if (e == null) {
            throw new IllegalArgumentException("DstackCluster has no event " + name);
        }
        return e;
    }

    /** All events. */
    public List<Event<Tuple>> events() {
        return List.copyOf(events.values());
    }

    /** The event whose signature hash is {@code topic0}, or null. */
    Event<Tuple> eventByTopic(byte[] topic0) {
        return eventsByTopic.get(Hex.data(topic0));
    }

    /** The custom error with this 4-byte selector, or null. */
    ContractError<Tuple> errorBySelector(byte[] selector4) {
        return errorsBySelector.get(Hex.data(selector4));
    }

    /** topic 0 of an event. */
    public byte[] topic(String eventName) {
        return Keccak.keccak256(event(eventName).getCanonicalSignature());
    }
}
