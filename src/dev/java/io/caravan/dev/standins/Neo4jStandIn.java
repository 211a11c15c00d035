package io.caravan.dev.standins;

import java.nio.file.Path;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/** A real Neo4j 5 (community, embedded in this JVM) with a Bolt connector; authentication is off. */
final class Neo4jStandIn {

    private Neo4jStandIn() {
    }

    static StandIn start(Path dataDir) {
        Path dir = dataDir.resolve("neo4j").toAbsolutePath();
        int port = Ports.free();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(dir)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(Ports.LOOPBACK, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                // a dev machine, not a server: keep the page cache small
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(64))
                .build();
        // waits until the default database is available
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        return new StandIn("Neo4j", "embedded Neo4j 5.26 community (in this JVM, no authentication)",
                "bolt://" + Ports.LOOPBACK + ":" + port, dir.toString(), "", dbms::shutdown);
    }
}
