package org.dstack4j.chain.rpc;

import java.util.ArrayList;
import java.util.List;
import org.dstack4j.chain.Address;

/**
 * An {@code eth_getLogs} filter over an inclusive block range. Each topic position holds the accepted
 * values (an empty list accepts any).
 *
 * @param address the emitting contract
 * @param fromBlock first block, inclusive
 * @param toBlock last block, inclusive
 * @param topics per position, the accepted 32-byte values
 */
public record LogFilter(Address address, long fromBlock, long toBlock, List<List<byte[]>> topics) {
    public LogFilter {
        if (fromBlock < 0 || toBlock < fromBlock) {
            throw new IllegalArgumentException("log range must be 0 <= fromBlock <= toBlock, got " + fromBlock + ".." + toBlock);
        }
        if (topics.size() > 4) {
            throw new IllegalArgumentException("a log has at most 4 topics, got " + topics.size() + " positions");
        }
        List<List<byte[]>> copy = new ArrayList<>();
        for (List<byte[]> pos : topics) {
            for (byte[] t : pos) {
                if (t.length != 32) {
                    throw new IllegalArgumentException("a topic is 32 bytes, got " + t.length);
                }
            }
            copy.add(pos.stream().map(byte[]::clone).toList());
        }
        topics = List.copyOf(copy);
    }

    /** Logs of {@code address} with topic 0 one of {@code eventTopics}, in the range. */
    public static LogFilter events(Address address, long fromBlock, long toBlock, byte[]... eventTopics) {
        return new LogFilter(address, fromBlock, toBlock, List.of(List.of(eventTopics)));
    }

    /** The same filter over another range. */
    public LogFilter withRange(long from, long to) {
        return new LogFilter(address, from, to, topics);
    }
}
