package dev.driftless.fleet;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalInt;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * The state store's schema, migrated by Flyway from {@code db/migration}. Flyway runs when the
 * store's history is behind {@link #VERSION} (a new data directory, an upgrade) or cannot be
 * read; a store already at it is left alone, because building Flyway and validating every
 * migration cost about 0.3 s of each start-up, a tenth of it.
 */
@ApplicationScoped
class StateSchema {

    private static final Logger LOG = Logger.getLogger(StateSchema.class);

    /** The highest {@code V<n>__} migration under {@code db/migration}; StateSchemaTest keeps them equal. */
    static final int VERSION = 4;

    private final AgroalDataSource db;

    StateSchema(AgroalDataSource db) {
        this.db = db;
    }

    void ensureCurrent() {
        OptionalInt applied;
        try (Connection conn = db.getConnection()) {
            applied = applied(conn);
        } catch (SQLException e) {
            applied = OptionalInt.empty(); // Flyway opens its own connection and reports what is wrong
        }
        if (needsMigration(applied)) {
            LOG.debugf("state store schema at %s, migrating to %d", applied, VERSION);
            migrate(db);
        }
    }

    /** Flyway as Quarkus would configure it for this data source, built only when a migration is due. */
    static void migrate(javax.sql.DataSource db) {
        Flyway.configure(StateSchema.class.getClassLoader()).dataSource(db).locations("classpath:db/migration").load().migrate();
    }

    /** Flyway runs unless the store is exactly at this version: behind, unknown or ahead, it decides what to do. */
    static boolean needsMigration(OptionalInt applied) {
        return applied.isEmpty() || applied.getAsInt() != VERSION;
    }

    /** The highest version Flyway recorded as successful; empty without a history table. */
    static OptionalInt applied(Connection conn) {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("select \"version\" from \"flyway_schema_history\" where \"success\" = true")) {
            int highest = -1;
            while (rs.next()) {
                highest = Math.max(highest, major(rs.getString(1)));
            }
            return highest < 0 ? OptionalInt.empty() : OptionalInt.of(highest);
        } catch (SQLException e) {
            return OptionalInt.empty(); // no history yet, or one we cannot read: Flyway decides
        }
    }

    private static int major(String version) {
        if (version == null) {
            return -1;
        }
        try {
            return Integer.parseInt(version.split("\\.")[0].strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
