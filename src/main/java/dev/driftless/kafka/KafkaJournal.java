package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.Incident;
import dev.driftless.fleet.StateJournal;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Keeps the controller's state in Kafka: the latest record per commit, desired generation and
 * incident on compacted topics, host history on a keyed log. Each write waits for the broker's
 * acknowledgement, so what the controller acted on is durable before it goes on. Host events
 * go to {@link Topics#HOST_EVENTS} through the same producer. Every record names the process
 * that wrote it; a {@link StateFollower} reads them back.
 */
public final class KafkaJournal implements StateJournal, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaJournal.class);
    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(2);

    /** The header that names the process that wrote a record. */
    static final String WRITER = "driftless-writer";

    private final String bootstrap;
    private final String writer;
    private final int hostPartitions;
    private final KafkaProducer<String, byte[]> producer;
    private final StateFollower follower;

    /** {@code writer}: this process, unique among all; {@code hostPartitions}: how many partitions hosts are owned by. */
    public KafkaJournal(String bootstrap, Duration startupTimeout, String writer, int hostPartitions) {
        this.bootstrap = bootstrap;
        this.writer = writer;
        this.hostPartitions = hostPartitions;
        this.follower = new StateFollower(bootstrap, startupTimeout, writer);
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

    @Override
    public void hostRecord(String host, HostRecord record) {
        send(Topics.STATE_HOSTS, host, StateCodec.encode(new StateCodec.HostRecordOf(host, record), host));
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
        follower.replayInto(store);
    }

    @Override
    public void follow(Changes changes) {
        follower.follow(changes);
    }

    @Override
    public boolean catchUp(Duration timeout) {
        return follower.catchUp(timeout);
    }

    @Override
    public long incidentId(long highest, String host) {
        return HostPartitions.incidentId(highest, host, hostPartitions);
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
        follower.close();
        producer.close(Duration.ofSeconds(5));
    }
}
