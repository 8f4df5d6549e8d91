package dev.driftless.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The controllers sharing a fleet, as one Kafka consumer group over two record-free topics:
 * whoever holds the one partition of {@link Topics#CONTROLLER_LEASE} leads rollouts, and each
 * partition of {@link Topics#HOST_OWNERS} held is a share of the hosts to reconcile. Kafka's
 * group protocol does the rest: a controller that joins takes a share, one that dies loses its
 * share to the others after the session timeout. The cooperative protocol moves only what must
 * move, and a partition reaches its new owner only after its old owner let go of it, which is
 * what keeps a host from being reconciled by two controllers at once.
 */
final class ControllerGroup implements AutoCloseable {

    /** What a controller does when the group hands it, or takes from it, a duty. Called on the group's thread. */
    interface Duties {
        void lead();

        void stepDown(String why);

        void take(Set<Integer> hostPartitions);

        /** Returns once nothing of these partitions' hosts runs here any more. */
        void release(Set<Integer> hostPartitions, String why);
    }

    private static final Logger LOG = Logger.getLogger(ControllerGroup.class);
    private static final TopicPartition LEASE = new TopicPartition(Topics.CONTROLLER_LEASE, 0);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final int hostPartitions;
    private final Thread thread;
    private volatile Duties duties;
    private volatile boolean closing;

    ControllerGroup(String bootstrap, String member, Duration timeout) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "driftless-controllers",
                ConsumerConfig.CLIENT_ID_CONFIG, "driftless-controller-" + member,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // Sticky: a controller that joins takes a share from the others, and nothing else moves.
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000,
                // A hand-over waits for the host's run to finish; the group must not give up on us meanwhile.
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(15).toMillis()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        hostPartitions = consumer.partitionsFor(Topics.HOST_OWNERS, timeout).size();
        thread = new Thread(this::run, "controller-group");
        thread.setDaemon(true);
    }

    int hostPartitions() {
        return hostPartitions;
    }

    void join(Duties duties) {
        this.duties = duties;
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.CONTROLLER_LEASE, Topics.HOST_OWNERS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE)) {
                        LOG.info("leading rollouts: this controller follows Git and coordinates builds");
                        duties.lead();
                    }
                    Set<Integer> hosts = hostPartitionsOf(partitions);
                    if (!hosts.isEmpty()) {
                        duties.take(hosts);
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    let(partitions, "the group moved them to another controller");
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    let(partitions, "this controller missed its heartbeats for longer than the session timeout, and another "
                            + "controller may already act on them");
                }
            });
            while (!closing) {
                consumer.poll(Duration.ofMillis(500)); // the topics carry no records; polling keeps the membership
            }
        } catch (WakeupException stopping) {
            // close() woke us
        } finally {
            consumer.close(Duration.ofSeconds(5)); // leave the group now, so that the others take our share at once
        }
    }

    private void let(Collection<TopicPartition> partitions, String why) {
        if (partitions.contains(LEASE)) {
            duties.stepDown(why);
        }
        Set<Integer> hosts = hostPartitionsOf(partitions);
        if (!hosts.isEmpty()) {
            duties.release(hosts, why);
        }
    }

    private static Set<Integer> hostPartitionsOf(Collection<TopicPartition> partitions) {
        Set<Integer> hosts = new TreeSet<>();
        partitions.stream().filter(p -> p.topic().equals(Topics.HOST_OWNERS)).forEach(p -> hosts.add(p.partition()));
        return hosts;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(20).toMillis()); // let it hand over its hosts before the process ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
