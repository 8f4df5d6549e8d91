package dev.driftless.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class HostPartitionsTest {

    private static final List<String> HOSTS = List.of("db1", "web1", "web2", "node1", "node26", "a-host.example.org");

    @Test
    void aHostBelongsToThePartitionKafkaWritesItsRecordsTo() {
        for (int partitions : List.of(1, 3, 8, 12)) {
            for (String host : HOSTS) {
                assertEquals(BuiltInPartitioner.partitionForKey(host.getBytes(StandardCharsets.UTF_8), partitions),
                        HostPartitions.of(host, partitions), host + " of " + partitions);
            }
        }
    }

    @Test
    void incidentIdsGrowAndNeverCollideAcrossPartitions() {
        int partitions = 8;
        Set<Long> seen = new HashSet<>();
        long highest = 0;
        for (int round = 0; round < 50; round++) {
            for (String host : HOSTS) {
                long id = HostPartitions.incidentId(highest, host, partitions);
                assertTrue(id > highest, "above the highest id known");
                assertEquals(HostPartitions.of(host, partitions), id % partitions, "the host's partition is the remainder");
                assertTrue(seen.add(id), "unique: " + id);
                highest = Math.max(highest, id);
            }
        }
        // Two controllers that each know only their own ids still cannot pick the same one.
        long fromA = HostPartitions.incidentId(0, "db1", partitions);
        long fromB = HostPartitions.incidentId(0, "web2", partitions);
        assertTrue(HostPartitions.of("db1", partitions) == HostPartitions.of("web2", partitions) || fromA != fromB);
    }
}
