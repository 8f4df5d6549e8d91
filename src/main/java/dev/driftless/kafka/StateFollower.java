package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.fleet.StateJournal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads the state topics back: all of them once at start, into an empty store, then, on a thread
 * of its own, whatever other controllers sharing the fleet write, along with their host events.
 * One consumer does both, so the following goes on exactly where the replay stopped.
 */
final class StateFollower {

    private static final Logger LOG = Logger.getLogger(StateFollower.class);
    private static final int RECENT_HOST_EVENTS = 1000;

    private final String bootstrap;
    private final Duration startupTimeout;
    private final String writer;
    /** Used by the replay, then by the follower thread alone. */
    private KafkaConsumer<String, byte[]> consumer;
    private final Map<TopicPartition, Long> statePositions = new ConcurrentHashMap<>();
    private final Queue<Barrier> barriers = new ConcurrentLinkedQueue<>();
    private volatile boolean following;
    private volatile boolean closing;

    StateFollower(String bootstrap, Duration startupTimeout, String writer) {
        this.bootstrap = bootstrap;
        this.startupTimeout = startupTimeout;
        this.writer = writer;
    }

    /** Feeds every change journaled so far into the store, and remembers where it stopped. */
    void replayInto(StateJournal.Changes store) {
        long start = System.nanoTime();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "driftless-state-" + writer);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        int records = 0;
        for (String topic : Topics.STATE) {
            records += replay(topic, store);
        }
        LOG.infof("state restored from Kafka: %d records in %d ms", records, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private int replay(String topic, StateJournal.Changes store) {
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic, startupTimeout).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, startupTimeout);
        // Records of one key share a partition, so replaying partition by partition keeps each key's order.
        int count = 0;
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p, startupTimeout) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + topic + " from " + bootstrap + " took longer than " + startupTimeout);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                count += apply(record, store) ? 1 : 0;
            }
        }
        partitions.forEach(p -> statePositions.put(p, consumer.position(p, startupTimeout)));
        return count;
    }

    /**
     * Goes on from where the replay ended, applying what other controllers write, and the last
     * {@value #RECENT_HOST_EVENTS} host events of each partition, so that hosts reconciled
     * elsewhere show their state here too.
     */
    void follow(StateJournal.Changes changes) {
        Thread thread = new Thread(() -> followLoop(changes), "state-follower");
        thread.setDaemon(true);
        following = true;
        thread.start();
    }

    private void followLoop(StateJournal.Changes changes) {
        try {
            while (!closing && !startFollowing()) {
                pause();
            }
            while (!closing) {
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        Header from = record.headers().lastHeader(KafkaJournal.WRITER);
                        if (from == null || !writer.equals(new String(from.value(), StandardCharsets.UTF_8))) {
                            apply(record, changes); // what this process wrote is in its store already
                        }
                    }
                    passBarriers();
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (KafkaException e) {
                    LOG.errorf("cannot read what other controllers write: %s; trying again. Check that the broker is up.", e.getMessage());
                    pause();
                }
            }
        } catch (WakeupException stopping) {
            // close() woke us
        } finally {
            following = false;
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Every state partition from where the replay ended, the host events from their recent past. */
    private boolean startFollowing() {
        try {
            List<TopicPartition> events = new ArrayList<>();
            consumer.partitionsFor(Topics.HOST_EVENTS, startupTimeout).forEach(p -> events.add(new TopicPartition(Topics.HOST_EVENTS, p.partition())));
            List<TopicPartition> all = new ArrayList<>(statePositions.keySet());
            all.addAll(events);
            consumer.assign(all);
            statePositions.forEach(consumer::seek);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(events, startupTimeout);
            consumer.endOffsets(events, startupTimeout).forEach((p, end) -> consumer.seek(p, Math.max(begin.get(p), end - RECENT_HOST_EVENTS)));
            return true;
        } catch (WakeupException stopping) {
            throw stopping;
        } catch (KafkaException e) {
            LOG.errorf("cannot start following what other controllers write: %s; trying again", e.getMessage());
            return false;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean apply(ConsumerRecord<String, byte[]> record, StateJournal.Changes changes) {
        if (record.value() == null) {
            return false; // a tombstone
        }
        try {
            StateCodec.apply(record.topic(), record.value(), changes);
            return true;
        } catch (CloudEventCodec.MalformedEvent e) {
            LOG.errorf("skipping %s record at offset %d of partition %d: %s", record.topic(), record.offset(), record.partition(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "cannot apply %s record at offset %d of partition %d: %s", record.topic(), record.offset(), record.partition(), e.getMessage());
        }
        return false;
    }

    /** Completes every catch-up whose end offsets, taken when it was asked for, have been read. */
    private void passBarriers() {
        for (Barrier b : barriers) {
            try {
                if (b.target == null) {
                    b.target = consumer.endOffsets(statePositions.keySet());
                }
                if (b.target.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    barriers.remove(b);
                    b.done.complete(null);
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                return; // the broker is away; try again at the next poll
            }
        }
    }

    /** Returns once every change written before the call has been applied; false after {@code timeout}. */
    boolean catchUp(Duration timeout) {
        if (!following) {
            return true;
        }
        Barrier b = new Barrier();
        barriers.add(b);
        try {
            b.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            barriers.remove(b);
            return false;
        }
    }

    private static final class Barrier {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Map<TopicPartition, Long> target;
    }

    void close() {
        closing = true;
        if (following) {
            consumer.wakeup(); // the thread closes it
        } else if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
