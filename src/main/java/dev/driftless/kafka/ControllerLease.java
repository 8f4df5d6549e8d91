package dev.driftless.kafka;

import io.quarkus.runtime.Quarkus;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * One active controller at a time. Controllers join one consumer group on a single-partition
 * topic; the member that holds the partition is the active controller, the others wait as
 * standbys before they read any state or touch any host. When the active one dies, the group
 * hands the partition to a standby within the session timeout, and the standby goes on
 * starting. A controller that loses the lease to another exits rather than act beside it.
 */
final class ControllerLease implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ControllerLease.class);
    private static final TopicPartition LEASE = new TopicPartition(Topics.CONTROLLER_LEASE, 0);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final CountDownLatch held = new CountDownLatch(1);
    private final Thread heartbeat;
    private volatile boolean holding;
    private volatile boolean closing;

    ControllerLease(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "driftless-controller-lease",
                ConsumerConfig.CLIENT_ID_CONFIG, "driftless-controller-lease",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // Sticky: a standby that joins does not take the lease from a healthy holder.
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        heartbeat = new Thread(this::run, "controller-lease");
        heartbeat.setDaemon(true);
    }

    /** Blocks until this process is the active controller. */
    void acquire() {
        heartbeat.start();
        try {
            if (!held.await(3, TimeUnit.SECONDS)) {
                LOG.infof("waiting for the controller lease on %s: another controller holds it, or one that was killed has not "
                        + "timed out yet; this one is a standby until then", Topics.CONTROLLER_LEASE);
            }
            held.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the controller lease", e);
        }
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.CONTROLLER_LEASE), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE) && !holding) {
                        holding = true;
                        LOG.info("holding the controller lease: this controller is active");
                        held.countDown();
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE) && holding && !closing) {
                        lost("the group moved it to another controller");
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE) && holding && !closing) {
                        lost("this controller missed its heartbeats for longer than the session timeout");
                    }
                }
            });
            while (!closing) {
                consumer.poll(Duration.ofMillis(500)); // the lease topic carries no records; polling keeps the membership
            }
        } catch (WakeupException stopping) {
            // close() woke us
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void lost(String why) {
        holding = false;
        LOG.errorf("lost the controller lease: %s. Exiting so that no two controllers act at once; a restart waits as standby.", why);
        Quarkus.asyncExit(1);
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }
}
