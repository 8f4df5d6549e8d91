package dev.driftless.kafka;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.HostEvents;
import dev.driftless.fleet.StateJournal;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Chooses where state and host events go: nowhere beyond the local store standalone, Kafka when distributed. */
@ApplicationScoped
public class KafkaWiring {

    private final DriftlessConfig config;
    private final String bootstrap;
    private ControllerLease lease;
    private boolean prepared;

    KafkaWiring(DriftlessConfig config, @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap) {
        this.config = config;
        this.bootstrap = bootstrap;
    }

    boolean distributed() {
        return "kafka".equals(config.bus());
    }

    /**
     * Before any channel subscribes, since a consumer of a topic that does not exist yet would
     * wait for it; and, for a controller, before it reads any state or touches any host, since
     * only the holder of the controller lease may.
     */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start) {
        if (distributed()) {
            prepare();
        }
    }

    /** Topics, then the lease: once, whichever needs them first, the start or the journal. */
    private synchronized void prepare() {
        if (prepared) {
            return;
        }
        new TopicSetup(bootstrap, config.kafka()).ensure();
        if (config.role().controls()) {
            lease = new ControllerLease(bootstrap);
            lease.acquire();
        }
        prepared = true;
    }

    void stop(@Observes ShutdownEvent stop) {
        if (lease != null) {
            lease.close(); // leave the group now, so that a standby takes over at once
        }
    }

    @Produces
    @Singleton
    StateJournal journal(HostEvents events) {
        if (!distributed() || !config.role().controls()) {
            return StateJournal.LOCAL; // a worker's store is never read
        }
        prepare(); // state is read only by the holder of the lease
        KafkaJournal journal = new KafkaJournal(bootstrap, config.kafka().startupTimeout());
        events.listen(journal::hostEvent);
        return journal;
    }

    void close(@Disposes StateJournal journal) {
        if (journal instanceof KafkaJournal kafka) {
            kafka.close();
        }
    }
}
