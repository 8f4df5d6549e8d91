package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.Incident;
import dev.driftless.fleet.StateJournal;
import dev.driftless.host.Desired;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Keeps the controller's state in Kafka: the latest record per commit, desired generation and
 * incident on compacted topics, host history on a keyed log. Each write waits for the broker's
 * acknowledgement, so what the controller acted on is durable before it goes on. Host events
 * go to {@link Topics#HOST_EVENTS} through the same producer.
 */
public final class KafkaJournal implements StateJournal, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaJournal.class);
    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(2);

    private final String bootstrap;
    private final Duration startupTimeout;
    private final KafkaProducer<String, byte[]> producer;

    public KafkaJournal(String bootstrap, Duration startupTimeout) {
        this.bootstrap = bootstrap;
        this.startupTimeout = startupTimeout;
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
        desired.forEach((host, d) -> sent.add(producer.send(new ProducerRecord<>(Topics.STATE_DESIRED, host,
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
        producer.send(new ProducerRecord<>(Topics.HOST_EVENTS, event.host(), CloudEventCodec.encode(event)), (meta, failure) -> {
            if (failure != null) {
                LOG.errorf("host %s: event %s did not reach %s: %s", event.host(), event.type(), Topics.HOST_EVENTS, failure.getMessage());
            }
        });
    }

    @Override
    public void replayInto(FleetStore store) {
        long start = System.nanoTime();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "driftless-state-replay");
        int records = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            for (String topic : Topics.STATE) {
                records += replay(consumer, topic, store);
            }
        }
        LOG.infof("state restored from Kafka: %d records in %d ms", records, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private int replay(KafkaConsumer<String, byte[]> consumer, String topic, FleetStore store) {
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
                if (record.value() == null) {
                    continue; // a tombstone
                }
                try {
                    StateCodec.apply(topic, record.value(), store);
                    count++;
                } catch (CloudEventCodec.MalformedEvent e) {
                    LOG.errorf("skipping %s record at offset %d of partition %d: %s", topic, record.offset(), record.partition(), e.getMessage());
                }
            }
        }
        return count;
    }

    private void send(String topic, String key, byte[] value) {
        await(topic, producer.send(new ProducerRecord<>(topic, key, value)));
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
        producer.close(Duration.ofSeconds(5));
    }
}
