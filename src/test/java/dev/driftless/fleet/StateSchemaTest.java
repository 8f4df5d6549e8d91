package dev.driftless.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

class StateSchemaTest {

    @Test
    void versionIsTheHighestMigrationShipped() throws IOException {
        Pattern name = Pattern.compile("V(\\d+)__.*\\.sql");
        int highest;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            highest = files.map(f -> name.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
        }
        assertEquals(highest, StateSchema.VERSION, "a new migration needs StateSchema.VERSION raised, or restarts skip it");
    }

    @Test
    void aNewStoreHasNoVersionAndIsMigrated() throws SQLException {
        try (Connection conn = DriverManager.getConnection("jdbc:h2:mem:schema-new")) {
            OptionalInt applied = StateSchema.applied(conn);
            assertTrue(applied.isEmpty());
            assertTrue(StateSchema.needsMigration(applied));
        }
    }

    @Test
    void aStoreMigratedByFlywayIsAtTheVersionAndLeftAlone() throws SQLException {
        String url = "jdbc:h2:mem:schema-migrated;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").load().migrate();
        try (Connection conn = DriverManager.getConnection(url)) {
            assertEquals(OptionalInt.of(StateSchema.VERSION), StateSchema.applied(conn));
            assertFalse(StateSchema.needsMigration(StateSchema.applied(conn)));
        }
    }

    @Test
    void aStoreBehindOrAheadIsHandedToFlyway() throws SQLException {
        String url = "jdbc:h2:mem:schema-behind;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").target("2").load().migrate();
        try (Connection conn = DriverManager.getConnection(url)) {
            assertEquals(OptionalInt.of(2), StateSchema.applied(conn));
            assertTrue(StateSchema.needsMigration(StateSchema.applied(conn)));
        }
        assertTrue(StateSchema.needsMigration(OptionalInt.of(StateSchema.VERSION + 1)));
    }
}
