package dev.driftless.fleet;

import dev.driftless.host.Desired;
import java.util.Map;

/**
 * Where the controller's durable state is kept beyond its own store. Standalone needs nothing
 * more than the store on disk; distributed mode writes every change to Kafka's compacted topics
 * and rebuilds the store from them when a controller starts, wherever it starts.
 */
public interface StateJournal {

    /** The latest record of a commit. */
    void commit(CommitRecord commit);

    /** A commit's desired generations, all durable before this returns. */
    void desired(Map<String, Desired> desired);

    /** The latest record of an incident, open or closed. */
    void incident(Incident incident);

    void history(String host, HistoryEntry entry);

    /** Feeds every change journaled before this process started into the store, oldest first. */
    void replayInto(FleetStore store);

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
        public void replayInto(FleetStore store) {}
    };
}
