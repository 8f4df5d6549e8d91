package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.fleet.StateJournal;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.Incident;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;

/** The CloudEvents types of the state topics, and how each record is put back into the store. */
final class StateCodec {

    static final String COMMIT = HostEvent.PREFIX + "state.commit";
    static final String DESIRED = HostEvent.PREFIX + "state.desired";
    static final String INCIDENT = HostEvent.PREFIX + "state.incident";
    static final String HISTORY = HostEvent.PREFIX + "state.history";
    static final String HOST_RECORD = HostEvent.PREFIX + "state.host";

    record HostDesired(String host, Desired desired) {}

    record HostHistory(String host, HistoryEntry entry) {}

    record HostRecordOf(String host, HostRecord record) {}

    private StateCodec() {}

    static byte[] encode(Object state, String subject) {
        String type;
        if (state instanceof CommitRecord) {
            type = COMMIT;
        } else if (state instanceof HostDesired) {
            type = DESIRED;
        } else if (state instanceof Incident) {
            type = INCIDENT;
        } else if (state instanceof HostHistory) {
            type = HISTORY;
        } else if (state instanceof HostRecordOf) {
            type = HOST_RECORD;
        } else {
            throw new IllegalArgumentException("not a state record: " + state.getClass());
        }
        return CloudEventCodec.encode(type, subject, state);
    }

    static void apply(String topic, byte[] value, StateJournal.Changes store) {
        switch (topic) {
            case Topics.STATE_COMMITS -> store.restoreCommit(CloudEventCodec.decode(value, COMMIT, CommitRecord.class));
            case Topics.STATE_DESIRED -> {
                HostDesired d = CloudEventCodec.decode(value, DESIRED, HostDesired.class);
                store.restoreDesired(d.host(), d.desired());
            }
            case Topics.STATE_INCIDENTS -> store.restoreIncident(CloudEventCodec.decode(value, INCIDENT, Incident.class));
            case Topics.STATE_HISTORY -> {
                HostHistory h = CloudEventCodec.decode(value, HISTORY, HostHistory.class);
                store.restoreHistory(h.host(), h.entry());
            }
            case Topics.STATE_HOSTS -> {
                HostRecordOf r = CloudEventCodec.decode(value, HOST_RECORD, HostRecordOf.class);
                store.restoreHostRecord(r.host(), r.record());
            }
            case Topics.HOST_EVENTS -> {
                HostEvent event = CloudEventCodec.decode(value, HostEvent.class);
                if (HostEvent.STATE_CHANGED.equals(event.type())) {
                    store.restoreHostState(event.host(), String.valueOf(event.data().get("to")), String.valueOf(event.data().get("message")));
                }
            }
            default -> throw new IllegalArgumentException("not a state topic: " + topic);
        }
    }
}
