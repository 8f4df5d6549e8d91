package dev.driftless.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.host.Desired;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a promotion leaves in host_desired, against the real schema: every host names the commit, with its own generation. */
class DesiredRowsTest {

    private static final Instant C1 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant C2 = Instant.parse("2026-12-02T10:00:00Z");
    private static final Timestamp NOW = Timestamp.from(Instant.parse("2026-12-03T10:00:00Z"));

    private String url;

    @BeforeEach
    void store() {
        url = "jdbc:h2:mem:desired-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").load().migrate();
    }

    @Test
    void aOneHostCommitMovesEveryHostToItAndChangesOneGeneration() throws SQLException {
        Map<String, Desired> first = new TreeMap<>();
        for (int i = 1; i <= 50; i++) {
            first.put("h" + i, new Desired("c1", C1, "/nix/store/d1-h" + i + ".drv", "/nix/store/o1-h" + i));
        }
        write(first);
        Map<String, Desired> second = new TreeMap<>();
        first.forEach((h, d) -> second.put(h, new Desired("c2", C2, d.drvPath(), d.path())));
        second.put("h7", new Desired("c2", C2, "/nix/store/d2-h7.drv", "/nix/store/o2-h7"));
        write(second);
        assertEquals(second, read());
    }

    @Test
    void newHostsAreAddedAndHostsLeftOutKeepTheirRow() throws SQLException {
        write(Map.of("a", new Desired("c1", C1, "/nix/store/da.drv", "/nix/store/oa"),
                "b", new Desired("c1", C1, "/nix/store/db.drv", "/nix/store/ob")));
        write(Map.of("a", new Desired("c2", C2, "/nix/store/da.drv", "/nix/store/oa"),
                "c", new Desired("c2", C2, "/nix/store/dc.drv", "/nix/store/oc")));
        assertEquals(Map.of("a", new Desired("c2", C2, "/nix/store/da.drv", "/nix/store/oa"),
                "b", new Desired("c1", C1, "/nix/store/db.drv", "/nix/store/ob"),
                "c", new Desired("c2", C2, "/nix/store/dc.drv", "/nix/store/oc")), read());
    }

    @Test
    void aSameDrvWithAnotherOutputIsRewrittenNotJustMoved() throws SQLException {
        write(Map.of("a", new Desired("c1", C1, "/nix/store/da.drv", "/nix/store/oa")));
        write(Map.of("a", new Desired("c2", null, "/nix/store/da.drv", "/nix/store/other")));
        assertEquals(Map.of("a", new Desired("c2", null, "/nix/store/da.drv", "/nix/store/other")), read());
    }

    @Test
    void hostsOfTwoCommitsInOneWriteEachNameTheirOwn() throws SQLException {
        write(Map.of("a", new Desired("c1", C1, "/nix/store/da.drv", "/nix/store/oa"),
                "b", new Desired("c1", C1, "/nix/store/db.drv", "/nix/store/ob")));
        Map<String, Desired> mixed = Map.of("a", new Desired("c2", C2, "/nix/store/da.drv", "/nix/store/oa"),
                "b", new Desired("c3", null, "/nix/store/db.drv", "/nix/store/ob"));
        write(mixed);
        assertEquals(mixed, read());
    }

    private void write(Map<String, Desired> desired) throws SQLException {
        try (Connection conn = DriverManager.getConnection(url)) {
            DesiredRows.write(conn, desired, NOW);
        }
    }

    private Map<String, Desired> read() throws SQLException {
        Map<String, Desired> rows = new HashMap<>();
        try (Connection conn = DriverManager.getConnection(url); Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("select host, commit_sha, committed_at, drv_path, out_path, updated_at from host_desired")) {
            while (rs.next()) {
                Timestamp at = rs.getTimestamp(3);
                rows.put(rs.getString(1), new Desired(rs.getString(2), at == null ? null : at.toInstant(), rs.getString(4), rs.getString(5)));
                assertEquals(NOW, rs.getTimestamp(6));
            }
        }
        return rows;
    }
}
