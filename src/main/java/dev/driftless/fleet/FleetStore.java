package dev.driftless.fleet;

import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.CommitObserved;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import dev.driftless.inventory.DeclaredHosts;
import dev.driftless.secret.Redaction;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The controller's durable memory: commits seen, each host's desired generation, host history
 * and incidents. Every change also goes to the {@link StateJournal}, and a store that starts
 * empty is filled from it first.
 */
@ApplicationScoped
public class FleetStore implements StateJournal.Changes {

    private final AgroalDataSource db;
    private final StateJournal journal;
    /** Why the last write failed, or null when it succeeded: readiness reports it. */
    private volatile String failing;

    private final StateSchema schema;

    FleetStore(AgroalDataSource db, StateJournal journal, StateSchema schema) {
        this.db = db;
        this.journal = journal;
        this.schema = schema;
    }

    @PostConstruct
    void restore() {
        schema.ensureCurrent();
        journal.replayInto(this);
    }

    /** Records a commit the first time it is seen; returns false when it was already known. */
    public boolean recordObserved(CommitObserved c) {
        boolean added = update("insert into commits (sha, branch, message, author, committed_at, observed_at, status, updated_at)"
                + " select ?, ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from commits where sha = ?)",
                c.sha(), c.branch(), truncate(Redaction.redact(c.message()), 4000), truncate(c.author(), 255), ts(c.committedAt()),
                ts(c.observedAt()), CommitRecord.Status.OBSERVED.label(), ts(Instant.now()), c.sha()) > 0;
        if (added) {
            commit(c.sha()).ifPresent(journal::commit);
        }
        return added;
    }

    /** An earlier commit is the branch head again: it is observed anew and rolled out like a new one. */
    public void reobserve(String sha, Instant at) {
        update("update commits set status = ?, error = null, observed_at = ?, updated_at = ? where sha = ?",
                CommitRecord.Status.OBSERVED.label(), ts(at), ts(Instant.now()), sha);
        commit(sha).ifPresent(journal::commit);
    }

    /**
     * A commit's new status; {@code changedHosts}, when given, replaces the hosts it changes, in the same transaction.
     * The error is recorded without credentials: it comes from nix and Git, also by way of other processes.
     */
    public void setStatus(String sha, CommitRecord.Status status, String error, List<String> changedHosts) {
        inTransaction(conn -> {
            execute(conn, "update commits set status = ?, error = ?, updated_at = ? where sha = ?",
                    status.label(), truncate(Redaction.redact(error), 8000), ts(Instant.now()), sha);
            if (changedHosts != null) {
                saveChangedHosts(conn, sha, changedHosts);
            }
        });
        commit(sha).ifPresent(journal::commit);
    }

    /**
     * An evaluated commit goes to building: the hosts it changes, and its inventory, kept with it
     * so that the fleet's hosts after a restart are those of the last ready commit.
     */
    public void setBuilding(String sha, List<String> changedHosts, String inventorySource, DeclaredHosts inventory) {
        inTransaction(conn -> {
            execute(conn, "update commits set status = ?, error = null, inventory_source = ?, inventory = ?, updated_at = ? where sha = ?",
                    CommitRecord.Status.BUILDING.label(), inventorySource, CloudEventCodec.json(inventory), ts(Instant.now()), sha);
            saveChangedHosts(conn, sha, changedHosts);
        });
        commit(sha).ifPresent(journal::commit);
    }

    /** The newest commit that became desired: its inventory is the fleet's. */
    public Optional<CommitRecord> lastReady() {
        return query("select * from commits where status = ? order by observed_at desc, updated_at desc limit 1", this::commitRow,
                CommitRecord.Status.READY.label()).stream().findFirst();
    }

    private static void saveChangedHosts(Connection conn, String sha, List<String> hosts) throws SQLException {
        execute(conn, "delete from commit_hosts where sha = ?", sha);
        try (PreparedStatement st = conn.prepareStatement("insert into commit_hosts (sha, host) values (?, ?)")) {
            for (String host : new java.util.TreeSet<>(hosts)) {
                st.setString(1, sha);
                st.setString(2, host);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    public Optional<CommitRecord> commit(String sha) {
        return query("select * from commits where sha = ?", this::commitRow, sha).stream().findFirst();
    }

    /** Every host's durable record, by host. */
    public Map<String, HostRecord> records() {
        Map<String, HostRecord> all = new HashMap<>();
        query("select host, record from host_records", rs -> all.put(rs.getString("host"),
                CloudEventCodec.fromJson(rs.getString("record"), HostRecord.class)));
        return all;
    }

    /**
     * Replaces the host's durable record; in the journal too, so a restart or the next controller
     * decides from it. A deployment's intent is forced to the disk before the host is touched:
     * every commit reaches the file when it returns (WRITE_DELAY=0), which a killed process
     * cannot undo, but only an fsync survives a power loss, and the intent names the generation
     * to return to. Other writes are recomputed from the hosts if the OS loses them.
     */
    public void saveRecord(String host, HostRecord record) {
        putRecord(host, record);
        if (record.attempt() != null && record.attempt().inProgress()) {
            sync();
        }
        journal.hostRecord(host, record);
    }

    /** fsync: H2's CHECKPOINT SYNC flushes the store and forces it to the device. */
    void sync() {
        update("checkpoint sync");
    }

    /** One statement (standard SQL MERGE, which H2 and PostgreSQL 15 both run): it is written on every deployment. */
    private void putRecord(String host, HostRecord record) {
        update("merge into host_records t using (values (cast(? as varchar(255)), cast(? as varchar), cast(? as timestamp with time zone)))"
                + " as s (host, record, updated_at) on t.host = s.host"
                + " when matched then update set record = s.record, updated_at = s.updated_at"
                + " when not matched then insert (host, record, updated_at) values (s.host, s.record, s.updated_at)",
                host, CloudEventCodec.json(record), ts(Instant.now()));
    }

    /** The newest commit observed, which is the one the branch points at. */
    public Optional<CommitRecord> latestCommit() {
        return query("select * from commits order by observed_at desc, updated_at desc limit 1", this::commitRow).stream().findFirst();
    }

    /**
     * The commit the fleet was last given: a promotion makes it every host's desired commit, so
     * any host's row names it.
     */
    public Optional<String> deployedCommit() {
        return query("select commit_sha from host_desired order by updated_at desc limit 1", rs -> rs.getString("commit_sha"))
                .stream().findFirst();
    }

    public List<CommitRecord> commits(int limit) {
        return query("select * from commits order by observed_at desc limit ?", this::commitRow, limit);
    }

    public Map<String, Desired> desired() {
        Map<String, Desired> all = new HashMap<>();
        query("select * from host_desired", rs -> all.put(rs.getString("host"), new Desired(rs.getString("commit_sha"),
                instant(rs, "committed_at"), rs.getString("drv_path"), rs.getString("out_path"))));
        return all;
    }

    /**
     * Makes a whole commit's generations desired at once, so no reader sees half a rollout
     * ({@link DesiredRows}: hosts that keep their generation cost one statement, not a row each).
     */
    public void saveDesired(Map<String, Desired> desired) {
        inTransaction(conn -> DesiredRows.write(conn, desired, ts(Instant.now())));
        journal.desired(desired);
    }

    private static final String INSERT_HISTORY = "insert into host_history (host, at, kind, commit_sha, path, generation, state, cause, message)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?)";

    public void append(String host, HistoryEntry e) {
        update(INSERT_HISTORY, historyRow(host, e));
        journal.history(host, e);
    }

    /**
     * Entries of many hosts in one transaction: a commit that brings 10,000 hosts under
     * management wrote them a statement each, about 3 s of the controller's time.
     */
    public void appendAll(Map<String, HistoryEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        inTransaction(conn -> {
            try (PreparedStatement st = conn.prepareStatement(INSERT_HISTORY)) {
                for (Map.Entry<String, HistoryEntry> e : entries.entrySet()) {
                    Object[] row = historyRow(e.getKey(), e.getValue());
                    for (int i = 0; i < row.length; i++) {
                        st.setObject(i + 1, row[i]);
                    }
                    st.addBatch();
                }
                st.executeBatch();
            }
        });
        entries.forEach(journal::history);
    }

    private static Object[] historyRow(String host, HistoryEntry e) {
        return new Object[] {host, ts(e.at()), e.kind(), e.commit(), e.path(), e.generation(), e.state(), e.cause(), truncate(e.message(), 8000)};
    }

    /** Newest first. */
    public List<HistoryEntry> history(String host, int limit) {
        return query("select * from host_history where host = ? order by id desc limit ?", this::historyRow, host, limit);
    }

    /** The newest entry of one of {@code kinds} for the host. */
    public Optional<HistoryEntry> lastOf(String host, String... kinds) {
        String marks = String.join(",", java.util.Collections.nCopies(kinds.length, "?"));
        List<Object> params = new ArrayList<>(List.of(host));
        params.addAll(Arrays.asList(kinds));
        return query("select * from host_history where host = ? and kind in (" + marks + ") order by id desc limit 1",
                this::historyRow, params.toArray()).stream().findFirst();
    }

    public synchronized Incident openIncident(String host, String cause, Instant at, String commit, String message) {
        long highest = query("select coalesce(max(id), 0) as highest from incidents", rs -> rs.getLong("highest")).get(0);
        long id = journal.incidentId(highest, host);
        update("insert into incidents (id, host, cause, opened_at, commit_sha, message) values (?, ?, ?, ?, ?, ?)",
                id, host, cause, ts(at), commit, truncate(message, 8000));
        Incident opened = openIncident(host).orElseThrow();
        journal.incident(opened);
        return opened;
    }

    public Optional<Incident> openIncident(String host) {
        return query("select * from incidents where host = ? and closed_at is null order by id desc limit 1", this::incidentRow, host)
                .stream().findFirst();
    }

    public void closeIncident(long id, Instant at) {
        update("update incidents set closed_at = ? where id = ? and closed_at is null", ts(at), id);
        query("select * from incidents where id = ?", this::incidentRow, id).forEach(journal::incident);
    }

    /** Newest first; {@code host} null for all hosts. */
    public List<Incident> incidents(String host, int limit) {
        return host == null
                ? query("select * from incidents order by id desc limit ?", this::incidentRow, limit)
                : query("select * from incidents where host = ? order by id desc limit ?", this::incidentRow, host, limit);
    }

    // Restoring from the journal: each call replaces the row it names, so replaying twice changes nothing.

    @Override
    public void restoreCommit(CommitRecord c) {
        inTransaction(conn -> {
            execute(conn, "delete from commits where sha = ?", c.sha());
            execute(conn, "insert into commits (sha, branch, message, author, committed_at, observed_at, status, error, changed_hosts,"
                    + " inventory_source, inventory, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", c.sha(), c.branch(),
                    truncate(c.message(), 4000), truncate(c.author(), 255), ts(c.committedAt()), ts(c.observedAt()), c.status().label(),
                    truncate(c.error(), 8000), null, c.inventorySource(), c.inventory() == null ? null : CloudEventCodec.json(c.inventory()),
                    ts(Instant.now()));
            saveChangedHosts(conn, c.sha(), c.changedHosts());
        });
    }

    @Override
    public void restoreHostRecord(String host, HostRecord record) {
        putRecord(host, record);
    }

    @Override
    public void restoreDesired(String host, Desired d) {
        inTransaction(conn -> {
            execute(conn, "delete from host_desired where host = ?", host);
            execute(conn, "insert into host_desired (host, commit_sha, committed_at, drv_path, out_path, updated_at) values (?, ?, ?, ?, ?, ?)",
                    host, d.commit(), ts(d.committedAt()), d.drvPath(), d.path(), ts(Instant.now()));
        });
    }

    @Override
    public void restoreIncident(Incident i) {
        inTransaction(conn -> {
            execute(conn, "delete from incidents where id = ?", i.id());
            execute(conn, "insert into incidents (id, host, cause, opened_at, closed_at, commit_sha, message) values (?, ?, ?, ?, ?, ?, ?)",
                    i.id(), i.host(), i.cause(), ts(i.openedAt()), ts(i.closedAt()), i.commit(), truncate(i.message(), 8000));
        });
    }

    @Override
    public void restoreHistory(String host, HistoryEntry e) {
        update("insert into host_history (host, at, kind, commit_sha, path, generation, state, cause, message) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                host, ts(e.at()), e.kind(), e.commit(), e.path(), e.generation(), e.state(), e.cause(), truncate(e.message(), 8000));
    }

    private Incident incidentRow(ResultSet rs) throws SQLException {
        return new Incident(rs.getLong("id"), rs.getString("host"), rs.getString("cause"), instant(rs, "opened_at"),
                instant(rs, "closed_at"), rs.getString("commit_sha"), rs.getString("message"));
    }

    private CommitRecord commitRow(ResultSet rs) throws SQLException {
        String sha = rs.getString("sha");
        List<String> changed = query("select host from commit_hosts where sha = ? order by host", r -> r.getString("host"), sha);
        String legacy = rs.getString("changed_hosts"); // written by versions before commit_hosts
        if (changed.isEmpty() && legacy != null && !legacy.isEmpty()) {
            changed = List.of(legacy.split(","));
        }
        return new CommitRecord(sha, rs.getString("branch"), rs.getString("message"), rs.getString("author"),
                instant(rs, "committed_at"), instant(rs, "observed_at"), CommitRecord.Status.of(rs.getString("status")),
                rs.getString("error"), changed, rs.getString("inventory_source"), inventory(rs.getString("inventory")));
    }

    private static DeclaredHosts inventory(String json) {
        return json == null ? null : CloudEventCodec.fromJson(json, DeclaredHosts.class);
    }

    private HistoryEntry historyRow(ResultSet rs) throws SQLException {
        int generation = rs.getInt("generation");
        return new HistoryEntry(instant(rs, "at"), rs.getString("kind"), rs.getString("commit_sha"), rs.getString("path"),
                rs.wasNull() ? null : generation, rs.getString("state"), rs.getString("cause"), rs.getString("message"));
    }

    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    interface Work {
        void run(Connection conn) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... params) {
        try (Connection conn = db.getConnection(); PreparedStatement st = prepare(conn, sql, params); ResultSet rs = st.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row.map(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("state store query failed: " + e.getMessage(), e);
        }
    }

    private int update(String sql, Object... params) {
        try (Connection conn = db.getConnection(); PreparedStatement st = prepare(conn, sql, params)) {
            int rows = st.executeUpdate();
            failing = null;
            return rows;
        } catch (SQLException e) {
            failing = e.getMessage();
            throw new IllegalStateException("state store update failed: " + e.getMessage(), e);
        }
    }

    /** Why the last write to the store failed; empty while writes succeed. */
    public Optional<String> failing() {
        return Optional.ofNullable(failing);
    }

    private void inTransaction(Work work) {
        try (Connection conn = db.getConnection()) {
            boolean auto = conn.getAutoCommit();
            conn.setAutoCommit(false);
            try {
                work.run(conn);
                conn.commit();
                failing = null;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            failing = e.getMessage();
            throw new IllegalStateException("state store transaction failed: " + e.getMessage(), e);
        }
    }

    private static void execute(Connection conn, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = prepare(conn, sql, params)) {
            st.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection conn, String sql, Object... params) throws SQLException {
        PreparedStatement st = conn.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i]);
        }
        return st;
    }

    static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
