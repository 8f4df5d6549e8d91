package dev.driftless.kafka;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Assignments;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.HostEvents;
import dev.driftless.fleet.RemoteChanges;
import dev.driftless.fleet.RolloutCoordinator;
import dev.driftless.fleet.StateJournal;
import dev.driftless.host.reconcile.ReconcileScheduler;
import dev.driftless.source.GitWatcher;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chooses where state and host events go: nowhere beyond the local store standalone, Kafka when
 * distributed. A distributed controller also joins the controllers' group, which decides
 * whether it leads rollouts and which hosts it reconciles.
 */
@ApplicationScoped
public class KafkaWiring {

    private final DriftlessConfig config;
    private final String bootstrap;
    private final String member;
    private final Instance<ControllerBeans> beans;
    private ControllerGroup group;
    private ControllerDuties joined;
    private boolean prepared;

    KafkaWiring(DriftlessConfig config, @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap,
            @ConfigProperty(name = "driftless-role.instance") String member, Instance<ControllerBeans> beans) {
        this.config = config;
        this.bootstrap = bootstrap;
        this.member = member;
        this.beans = beans;
    }

    /**
     * The beans that carry out a controller's duties, looked up only once the application
     * starts. Dependent, not a client proxy, so that its fields can be read.
     */
    @Dependent
    static class ControllerBeans {
        @Inject
        Fleet fleet;
        @Inject
        RemoteChanges remote;
        @Inject
        ReconcileScheduler scheduler;
        @Inject
        Assignments assignments;
        @Inject
        RolloutCoordinator coordinator;
        @Inject
        GitWatcher watcher;
        @Inject
        KafkaClientService clients;
        @Inject
        StateJournal journal;
    }

    /** Before any channel subscribes, since a consumer of a topic that does not exist yet would wait for it. */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start) {
        if (config.distributed()) {
            prepare();
        }
    }

    /**
     * Once every bean is ready: follow what the other controllers write, then join their group.
     * The group hands out hosts and the lead only after the follower runs, so each take-over
     * starts from everything the previous holder wrote.
     */
    void join(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER) StartupEvent start) {
        if (config.distributed() && config.role().controls()) {
            ControllerBeans d = beans.get();
            d.fleet.names(); // the store has replayed the journal: following goes on from there
            d.journal.follow(d.remote);
            joined = new ControllerDuties(d.fleet, d.assignments, group.hostPartitions(), d.journal, d.scheduler, d.coordinator, d.watcher,
                    d.clients);
            group.join(joined);
        }
    }

    /** Topics, then the group's membership client: once, whichever needs them first, the start or the journal. */
    private synchronized void prepare() {
        if (prepared) {
            return;
        }
        new TopicSetup(bootstrap, config.kafka()).ensure();
        if (config.role().controls()) {
            group = new ControllerGroup(bootstrap, member, config.kafka().startupTimeout());
        }
        prepared = true;
    }

    void stop(@Observes ShutdownEvent stop) {
        if (group != null) {
            group.close(); // leave the group now, handing hosts and the lead over at once
        }
        if (joined != null) {
            joined.close();
        }
    }

    @Produces
    @Singleton
    StateJournal journal(HostEvents events) {
        if (!config.distributed() || !config.role().controls()) {
            return StateJournal.LOCAL; // a worker's store is never read
        }
        prepare();
        KafkaJournal journal = new KafkaJournal(bootstrap, config.kafka().startupTimeout(), member, group.hostPartitions());
        events.listen(journal::hostEvent);
        return journal;
    }

    void close(@Disposes StateJournal journal) {
        if (journal instanceof KafkaJournal kafka) {
            kafka.close();
        }
    }
}
