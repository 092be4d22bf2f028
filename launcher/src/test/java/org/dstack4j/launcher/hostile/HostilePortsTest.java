package org.dstack4j.launcher.hostile;

import static org.dstack4j.launcher.hostile.HostileCase.lines;
import static org.dstack4j.launcher.hostile.Outcome.plans;
import static org.dstack4j.launcher.hostile.Outcome.ports;
import static org.dstack4j.launcher.hostile.Outcome.rejectedKeys;
import static org.dstack4j.launcher.hostile.Outcome.rejects;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.dstack4j.launcher.container.PortMapping;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile {@code PORTS} values: each bad item is skipped by index, good items are kept, nothing else is published. */
class HostilePortsTest {
    private static final String NOT_HC = "not H:C with decimal ports";
    private static final String RANGE = "port outside 1..65535";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource({"singleBadItem", "mixed"})
    void hostilePorts(HostileCase c) throws Exception {
        HostileRunner.run(c, dir);
    }

    /** PORTS=&lt;item&gt; where the one item must be rejected as PORTS[0] with the given reason. */
    static Stream<HostileCase> singleBadItem() {
        return Stream.of(
                        new String[] {"0:80", RANGE}, new String[] {"80:0", RANGE}, new String[] {"0:0", RANGE},
                        new String[] {"65536:80", RANGE}, new String[] {"80:65536", RANGE}, new String[] {"99999:80", RANGE},
                        new String[] {"-1:80", NOT_HC}, new String[] {"80:-1", NOT_HC},
                        new String[] {"8000-8010:8000-8010", NOT_HC}, new String[] {"[::1]:80:80", NOT_HC},
                        new String[] {"::1:80:80", NOT_HC}, new String[] {"[::]:22:22", NOT_HC},
                        new String[] {"127.0.0.1:80:80", NOT_HC}, new String[] {"0.0.0.0:22:22", NOT_HC},
                        new String[] {"80:80:80", NOT_HC}, new String[] {"80:80/udp", NOT_HC}, new String[] {"80:80/tcp", NOT_HC},
                        new String[] {"80 :80", NOT_HC}, new String[] {"80: 80", NOT_HC}, new String[] {"000000:80", NOT_HC},
                        new String[] {"+80:80", NOT_HC}, new String[] {"0x50:80", NOT_HC}, new String[] {"80", NOT_HC},
                        new String[] {":80", NOT_HC}, new String[] {"80:", NOT_HC}, new String[] {":", NOT_HC},
                        new String[] {"\u0668\u0660:80", NOT_HC}, new String[] {"\uff18\uff10:80", NOT_HC},
                        new String[] {"80:80 --privileged", NOT_HC}, new String[] {"--publish=80:80", NOT_HC},
                        new String[] {"-p 80:80", NOT_HC}, new String[] {"--volume /:/mnt", NOT_HC},
                        new String[] {"80:80;reboot", NOT_HC}, new String[] {"$(id):80", NOT_HC}, new String[] {"1e3:80", NOT_HC},
                        new String[] {"80.0:80", NOT_HC}, new String[] {"80:80\u0000", NOT_HC}, new String[] {"80\u00a0:80", NOT_HC})
                .map(a -> lines("PORTS=" + a[0].replace("\u0000", "\\0"), "PORTS=" + a[0],
                        plans(rejects("PORTS[0]", a[1]), rejectedKeys("PORTS[0]"), ports())));
    }

    static Stream<HostileCase> mixed() {
        PortMapping p80 = new PortMapping(80, 80);
        PortMapping p81 = new PortMapping(81, 81);
        return Stream.of(
                lines("space after a comma: items are trimmed (reference launcher)", "PORTS=80:80, 24567:24567",
                        plans(rejectedKeys(), ports(p80, new PortMapping(24567, 24567)))),
                lines("space inside an item", "PORTS=80:80,81 :81", plans(rejects("PORTS[1]", NOT_HC), ports(p80))),
                lines("empty middle item", "PORTS=80:80,,81:81", plans(rejects("PORTS[1]", NOT_HC), ports(p80, p81))),
                lines("only a comma", "PORTS=,", plans(rejectedKeys("PORTS[0]", "PORTS[1]"), ports())),
                lines("trailing comma", "PORTS=80:80,", plans(rejectedKeys("PORTS[1]"), ports(p80))),
                lines("leading comma", "PORTS=,80:80", plans(rejectedKeys("PORTS[0]"), ports(p80))),
                lines("tab around an item is trimmed", "PORTS=80:80\t,81:81", plans(rejectedKeys(), ports(p80, p81))),
                lines("semicolon separator", "PORTS=80:80;81:81", plans(rejectedKeys("PORTS[0]"), ports())),
                lines("the same host port twice", "PORTS=80:80,80:81", plans(rejects("PORTS[1]", "host port already mapped by PORTS[0]"), ports(p80))),
                lines("boundaries 1 and 65535 are accepted", "PORTS=1:65535,65535:1",
                        plans(rejectedKeys(), ports(new PortMapping(1, 65535), new PortMapping(65535, 1)))),
                lines("empty PORTS publishes nothing", "PORTS=", plans(rejectedKeys(), ports())));
    }
}
