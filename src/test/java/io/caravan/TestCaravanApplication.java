package io.caravan;

import io.caravan.support.TestNeo4j;
import io.caravan.support.TestQdrant;

/**
 * Caravan for a machine without Neo4j and Qdrant: {@code ./mvnw spring-boot:test-run} starts the tests'
 * in-process Neo4j (neo4j-harness, a real Neo4j) and the Qdrant-protocol test server (in memory), then
 * Caravan pointed at them; RabbitMQ, PostgreSQL and Redis are the usual local ones. Nothing of the two
 * stand-ins outlives the process.
 */
public final class TestCaravanApplication {

    private TestCaravanApplication() {
    }

    public static void main(String[] args) {
        // system properties: above application.yaml, below command-line arguments
        System.setProperty("spring.neo4j.uri", TestNeo4j.boltUri());
        System.setProperty("camel.component.qdrant.host", TestQdrant.host());
        System.setProperty("camel.component.qdrant.port", String.valueOf(TestQdrant.port()));
        CaravanApplication.main(args);
    }
}
