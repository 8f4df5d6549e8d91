package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.Incident;
import dev.driftless.fleet.StateJournal;
import dev.driftless.host.Desired;
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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Keeps the controller's state in Kafka: the latest record per commit, desired generation and
 * incident on compacted topics, host history on a keyed log. Each write waits for the broker's
 * acknowledgement, so what the controller acted on is durable before it goes on. Host events
 * go to {@link Topics#HOST_EVENTS} through the same producer. After the replay at start, one
 * consumer goes on reading those topics, so that each controller sharing a fleet sees what the
 * others write.
 */
public final class KafkaJournal implements StateJournal, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaJournal.class);
    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(2);

    private static final String WRITER = "driftless-writer";
    private static final int RECENT_HOST_EVENTS = 1000;

    private final String bootstrap;
    private final Duration startupTimeout;
    private final String writer;
    private final int hostPartitions;
    private final KafkaProducer<String, byte[]> producer;
    /** Used by the replay, then by the follower thread alone. */
    private KafkaConsumer<String, byte[]> follower;
    private final Map<TopicPartition, Long> statePositions = new ConcurrentHashMap<>();
    private final Queue<Barrier> barriers = new ConcurrentLinkedQueue<>();
    private volatile boolean following;
    private volatile boolean closing;

    /** {@code writer}: this process, unique among all; {@code hostPartitions}: how many partitions hosts are owned by. */
    public KafkaJournal(String bootstrap, Duration startupTimeout, String writer, int hostPartitions) {
        this.bootstrap = bootstrap;
        this.startupTimeout = startupTimeout;
        this.writer = writer;
        this.hostPartitions = hostPartitions;
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "driftless-journal");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public void commit(CommitRecord commit) {
        send(Topics.STATE_COMMITS, commit.sha(), StateCodec.encode(commit, commit.sha()));
    }

    @Override
    public void desired(Map<String, Desired> desired) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        desired.forEach((host, d) -> sent.add(producer.send(record(Topics.STATE_DESIRED, host,
                StateCodec.encode(new StateCodec.HostDesired(host, d), host)))));
        for (Future<RecordMetadata> s : sent) {
            await(Topics.STATE_DESIRED, s);
        }
    }

    @Override
    public void incident(Incident incident) {
        send(Topics.STATE_INCIDENTS, String.valueOf(incident.id()), StateCodec.encode(incident, incident.host()));
    }

    @Override
    public void history(String host, HistoryEntry entry) {
        send(Topics.STATE_HISTORY, host, StateCodec.encode(new StateCodec.HostHistory(host, entry), host));
    }

    /** Publishes a host event keyed by its host, for other controllers, dashboards and external consumers. */
    public void hostEvent(HostEvent event) {
        producer.send(record(Topics.HOST_EVENTS, event.host(), CloudEventCodec.encode(event)), (meta, failure) -> {
            if (failure != null) {
                LOG.errorf("host %s: event %s did not reach %s: %s", event.host(), event.type(), Topics.HOST_EVENTS, failure.getMessage());
            }
        });
    }

    @Override
    public void replayInto(Changes store) {
        long start = System.nanoTime();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "driftless-state-" + writer);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        follower = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        int records = 0;
        for (String topic : Topics.STATE) {
            records += replay(topic, store);
        }
        LOG.infof("state restored from Kafka: %d records in %d ms", records, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private int replay(String topic, Changes store) {
        List<TopicPartition> partitions = new ArrayList<>();
        follower.partitionsFor(topic, startupTimeout).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        follower.assign(partitions);
        follower.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = follower.endOffsets(partitions, startupTimeout);
        // Records of one key share a partition, so replaying partition by partition keeps each key's order.
        int count = 0;
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (partitions.stream().anyMatch(p -> follower.position(p, startupTimeout) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + topic + " from " + bootstrap + " took longer than " + startupTimeout);
            }
            for (ConsumerRecord<String, byte[]> record : follower.poll(Duration.ofMillis(500))) {
                count += apply(record, store) ? 1 : 0;
            }
        }
        partitions.forEach(p -> statePositions.put(p, follower.position(p, startupTimeout)));
        return count;
    }

    /**
     * Goes on from where the replay ended, applying what other controllers write, and the last
     * {@value #RECENT_HOST_EVENTS} host events of each partition, so that hosts reconciled
     * elsewhere show their state here too.
     */
    @Override
    public void follow(Changes changes) {
        Thread thread = new Thread(() -> followLoop(changes), "state-follower");
        thread.setDaemon(true);
        following = true;
        thread.start();
    }

    private void followLoop(Changes changes) {
        try {
            while (!closing && !startFollowing()) {
                pause();
            }
            while (!closing) {
                try {
                    for (ConsumerRecord<String, byte[]> record : follower.poll(Duration.ofMillis(200))) {
                        Header from = record.headers().lastHeader(WRITER);
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
            follower.close(Duration.ofSeconds(5));
        }
    }

    /** Every state partition from where the replay ended, the host events from their recent past. */
    private boolean startFollowing() {
        try {
            List<TopicPartition> events = new ArrayList<>();
            follower.partitionsFor(Topics.HOST_EVENTS, startupTimeout).forEach(p -> events.add(new TopicPartition(Topics.HOST_EVENTS, p.partition())));
            List<TopicPartition> all = new ArrayList<>(statePositions.keySet());
            all.addAll(events);
            follower.assign(all);
            statePositions.forEach(follower::seek);
            Map<TopicPartition, Long> begin = follower.beginningOffsets(events, startupTimeout);
            follower.endOffsets(events, startupTimeout).forEach((p, end) -> follower.seek(p, Math.max(begin.get(p), end - RECENT_HOST_EVENTS)));
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

    private boolean apply(ConsumerRecord<String, byte[]> record, Changes changes) {
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
                    b.target = follower.endOffsets(statePositions.keySet());
                }
                if (b.target.entrySet().stream().allMatch(e -> follower.position(e.getKey()) >= e.getValue())) {
                    barriers.remove(b);
                    b.done.complete(null);
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                return; // the broker is away; try again at the next poll
            }
        }
    }

    @Override
    public boolean catchUp(Duration timeout) {
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

    @Override
    public long incidentId(long highest, String host) {
        return HostPartitions.incidentId(highest, host, hostPartitions);
    }

    private static final class Barrier {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Map<TopicPartition, Long> target;
    }

    private void send(String topic, String key, byte[] value) {
        await(topic, producer.send(record(topic, key, value)));
    }

    /** Every record names the process that wrote it, so that its own follower skips it. */
    private ProducerRecord<String, byte[]> record(String topic, String key, byte[] value) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        record.headers().add(WRITER, writer.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private void await(String topic, Future<RecordMetadata> sent) {
        try {
            sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot write " + topic + " to Kafka at " + bootstrap + ": " + cause.getMessage()
                    + "; the change is retried on the next reconcile", cause);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (following) {
            follower.wakeup();
        } else if (follower != null) {
            follower.close(Duration.ofSeconds(5));
        }
        producer.close(Duration.ofSeconds(5));
    }
}
