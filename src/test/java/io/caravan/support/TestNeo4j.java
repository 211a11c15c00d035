package io.caravan.support;

import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/** One real in-process Neo4j (neo4j-harness) for the whole test run, started on first use. */
public final class TestNeo4j {

    private static final class Holder {
        private static final Neo4j NEO4J = Neo4jBuilders.newInProcessBuilder().withDisabledServer().build();

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(NEO4J::close, "test-neo4j-stop"));
        }
    }

    private TestNeo4j() {
    }

    public static String boltUri() {
        return Holder.NEO4J.boltURI().toString();
    }
}
