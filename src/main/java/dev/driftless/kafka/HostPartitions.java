package dev.driftless.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition a host belongs to: the one Kafka's default partitioner gives a record keyed by
 * the host's name. Controllers sharing a fleet own hosts by these partitions.
 */
public final class HostPartitions {

    private HostPartitions() {}

    public static int of(String host, int partitions) {
        return Utils.toPositive(Utils.murmur2(host.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * A new incident id above {@code highest} that no other controller can pick: its remainder
     * modulo the partition count is the host's partition, and only the owner of a partition opens
     * incidents for its hosts, after reading every incident its previous owner opened.
     */
    public static long incidentId(long highest, String host, int partitions) {
        return (highest / partitions + 1) * partitions + of(host, partitions);
    }
}
