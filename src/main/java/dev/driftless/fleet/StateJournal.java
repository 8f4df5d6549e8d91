package dev.driftless.fleet;

import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import java.time.Duration;
import java.util.Map;

/**
 * Where the controller's durable state is kept beyond its own store. Standalone needs nothing
 * more than the store on disk; distributed mode writes every change to Kafka's compacted topics,
 * rebuilds the store from them when a controller starts, and goes on applying what the other
 * controllers sharing the fleet write.
 */
public interface StateJournal {

    /** The latest record of a commit. */
    void commit(CommitRecord commit);

    /** A commit's desired generations, all durable before this returns. */
    void desired(Map<String, Desired> desired);

    /** The latest record of an incident, open or closed. */
    void incident(Incident incident);

    void history(String host, HistoryEntry entry);

    /** The latest durable record of a host, what its reconcile loop decides from. */
    default void hostRecord(String host, HostRecord record) {}

    /** Feeds every change journaled before this process started into the store, oldest first. */
    void replayInto(Changes store);

    /** From now on, applies the changes other controllers journal, as they arrive. */
    default void follow(Changes changes) {}

    /**
     * Returns once every change journaled before the call has been applied here, so that a
     * controller taking over hosts or rollouts from another one acts on all that it did. False
     * when that took longer than {@code timeout}.
     */
    default boolean catchUp(Duration timeout) {
        return true;
    }

    /**
     * The id of a new incident of {@code host}, given the highest id known here. Standalone, the
     * next number; when controllers share a fleet, one that no other controller can pick.
     */
    default long incidentId(long highest, String host) {
        return highest + 1;
    }

    /** Somewhere changes are applied: the store when replaying, the store and the live picture when following. */
    interface Changes {
        void restoreCommit(CommitRecord commit);

        void restoreDesired(String host, Desired desired);

        void restoreIncident(Incident incident);

        void restoreHistory(String host, HistoryEntry entry);

        /** A host's durable record, as the controller reconciling it wrote it. */
        default void restoreHostRecord(String host, HostRecord record) {}

        /** A host's state as the controller reconciling it reported it. */
        default void restoreHostState(String host, String state, String message) {}
    }

    /** Standalone: the store under the data directory is the whole truth. */
    StateJournal LOCAL = new StateJournal() {
        @Override
        public void commit(CommitRecord commit) {}

        @Override
        public void desired(Map<String, Desired> desired) {}

        @Override
        public void incident(Incident incident) {}

        @Override
        public void history(String host, HistoryEntry entry) {}

        @Override
        public void replayInto(Changes store) {}
    };
}
