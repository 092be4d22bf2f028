package org.dstack4j.vmm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.dstack4j.sdk.TerminalText;

/**
 * A CVM to create: the proto's {@code VmConfiguration} (dstack {@code vmm/rpc/proto/vmm_rpc.proto}, v0.5.8).
 *
 * @param name        VM name
 * @param image       OS image name as the VMM lists it (e.g. {@code dstack-0.5.8})
 * @param composeFile the app-compose.json text (its SHA-256 is the compose-hash the CVM measures)
 * @param vcpu        vCPUs
 * @param memoryMb    RAM in MiB
 * @param diskGb      data disk in GiB
 * @param ports       port mappings
 * @param userConfig  the user_config text ({@code /tapp/user_config} in the CVM); may be empty
 * @param appId       40-hex app id; empty lets the VMM use the compose hash's first 20 bytes
 * @param kmsUrls     KMS URLs (empty with the local key provider)
 * @param gatewayUrls gateway URLs
 * @param stopped     create without starting
 */
public record VmSpec(String name, String image, String composeFile, int vcpu, int memoryMb, int diskGb, List<Port> ports,
                     String userConfig, Optional<String> appId, List<String> kmsUrls, List<String> gatewayUrls, boolean stopped) {
    public VmSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("the VM needs a name");
        if (vcpu < 1 || vcpu > 1024) throw new IllegalArgumentException("vCPUs must be 1..1024");
        if (memoryMb < 256) throw new IllegalArgumentException("memory must be at least 256 MiB");
        if (diskGb < 1) throw new IllegalArgumentException("the disk must be at least 1 GiB");
        appId.ifPresent(a -> {
            if (!a.matches("[0-9a-f]{40}")) throw new IllegalArgumentException("the app id is 40 lowercase hex characters");
        });
        ports = List.copyOf(ports);
        kmsUrls = List.copyOf(kmsUrls);
        gatewayUrls = List.copyOf(gatewayUrls);
    }

    /**
     * A port mapping ({@code PortMapping}).
     *
     * @param protocol    tcp or udp
     * @param hostAddress host address to bind, e.g. 127.0.0.1 or 0.0.0.0
     * @param hostPort    host port
     * @param vmPort      port inside the CVM
     */
    public record Port(String protocol, String hostAddress, int hostPort, int vmPort) {
        public Port {
            if (!protocol.equals("tcp") && !protocol.equals("udp")) throw new IllegalArgumentException("a port's protocol is tcp or udp");
            if (hostPort < 1 || hostPort > 65535 || vmPort < 1 || vmPort > 65535) throw new IllegalArgumentException("ports are 1..65535");
        }

        /**
         * vmm-cli.py's form {@code protocol[:address]:host_port:vm_port}, e.g. {@code tcp:0.0.0.0:8080:80}.
         *
         * @throws IllegalArgumentException naming the text
         */
        public static Port parse(String text) {
            String[] p = text.split(":", -1);
            try {
                if (p.length == 3) return new Port(p[0], "127.0.0.1", Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                if (p.length == 4) return new Port(p[0], p[1], Integer.parseInt(p[2]), Integer.parseInt(p[3]));
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("port \"" + TerminalText.escape(text, VmmError.SHOWN) + "\" is not protocol[:address]:host_port:vm_port (e.g. tcp:0.0.0.0:8080:80)");
        }
    }

    /** The request body of {@code CreateVm}, field names as the proto's JSON. */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("name", name);
        o.put("image", image);
        o.put("compose_file", composeFile);
        o.put("vcpu", vcpu);
        o.put("memory", memoryMb);
        o.put("disk_size", diskGb);
        ArrayNode ps = o.putArray("ports");
        for (Port p : ports) ps.addObject().put("protocol", p.protocol()).put("host_port", p.hostPort()).put("vm_port", p.vmPort()).put("host_address", p.hostAddress());
        appId.ifPresent(a -> o.put("app_id", a));
        o.put("user_config", userConfig);
        ArrayNode k = o.putArray("kms_urls");
        kmsUrls.forEach(k::add);
        ArrayNode g = o.putArray("gateway_urls");
        gatewayUrls.forEach(g::add);
        o.put("stopped", stopped);
        return o;
    }
}
