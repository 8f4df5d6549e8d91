package dev.driftless.kafka;

import dev.driftless.config.DriftlessConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.jboss.logging.Logger;

/** Creates the topics Driftless needs, compacting the state topics; leaves existing topics as they are. */
final class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);

    private final String bootstrap;
    private final DriftlessConfig.Kafka config;

    TopicSetup(String bootstrap, DriftlessConfig.Kafka config) {
        this.bootstrap = bootstrap;
        this.config = config;
    }

    void ensure() {
        long timeout = config.startupTimeout().toMillis();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout, 30_000)))) {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            Optional<Short> replicas = config.replicationFactor() > 0 ? Optional.of(config.replicationFactor()) : Optional.empty();
            for (String topic : Topics.STREAMS) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(config.partitions()), replicas));
                }
            }
            for (String topic : Topics.COMPACTED) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(config.partitions()), replicas)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
                }
            }
            if (!existing.contains(Topics.HOST_OWNERS)) {
                missing.add(new NewTopic(Topics.HOST_OWNERS, Optional.of(config.partitions()), replicas));
            }
            if (!existing.contains(Topics.CONTROLLER_LEASE)) {
                missing.add(new NewTopic(Topics.CONTROLLER_LEASE, Optional.of(1), replicas));
            }
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(timeout, TimeUnit.MILLISECONDS);
                LOG.infof("created Kafka topics %s", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e; // another process created them first otherwise
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot create Driftless topics on Kafka at " + bootstrap + " within "
                    + config.startupTimeout() + ": " + cause + ". Check kafka.bootstrap.servers and that the broker is up.", cause);
        }
    }
}
