package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.TcpProxy;
import io.caravan.support.TestNeo4j;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Neo4j goes down under the Neo4j worker: Caravan reaches Neo4j through a TCP proxy the test cuts and
 * restores (the shared in-process Neo4j itself keeps running, and the test reads it directly). Its own
 * exchange and queues, so no other running Caravan consumes them; a short ladder and no in-process retry,
 * so each failure is one trip through the broker.
 */
@DirtiesContext
class CommerceEventsNeo4jDownTest extends CaravanTest {

    static final String EXCHANGE = "events.neo4j-down-test";
    static final String NEO4J_QUEUE = "events.neo4j.down-test";
    static final String QDRANT_QUEUE = "events.qdrant.down-test";
    static final String DLQ = "events.dlq.down-test";
    static final TcpProxy NEO4J_PROXY = TcpProxy.to("127.0.0.1", URI.create(TestNeo4j.boltUri()).getPort());
    static final Driver NEO4J_DIRECT = GraphDatabase.driver(TestNeo4j.boltUri(), AuthTokens.none());

    @DynamicPropertySource
    static void neo4jThroughAProxyAndOwnQueues(DynamicPropertyRegistry registry) {
        registry.add("spring.neo4j.uri", () -> "bolt://127.0.0.1:" + NEO4J_PROXY.port());
        registry.add("caravan.broker.exchanges.events.name", () -> EXCHANGE);
        registry.add("caravan.broker.queues.events-neo4j.name", () -> NEO4J_QUEUE);
        registry.add("caravan.broker.queues.events-neo4j.dead-letter-queue", () -> DLQ);
        registry.add("caravan.broker.queues.events-neo4j.retry-delays", () -> "1s,2s,4s,8s");
        registry.add("caravan.broker.queues.events-qdrant.name", () -> QDRANT_QUEUE);
        registry.add("caravan.broker.queues.events-qdrant.dead-letter-queue", () -> DLQ);
        registry.add("caravan.broker.immediate-retries", () -> "0");
    }

    @LocalServerPort
    int port;
    @Autowired
    MeterRegistry meters;

    @AfterEach
    void restore() {
        NEO4J_PROXY.restore();
    }

    @AfterAll
    static void close() {
        NEO4J_DIRECT.close();
        NEO4J_PROXY.close();
    }

    @Test
    void anEventThatMeetsNeo4jDownClimbsTheLadderAndIsStoredOnceWhenNeo4jIsBack() throws Exception {
        String user = "down-" + UUID.randomUUID();
        String product = "p-" + UUID.randomUUID();
        for (String queue : new String[] {NEO4J_QUEUE, NEO4J_QUEUE + ".retry.1", NEO4J_QUEUE + ".retry.2", NEO4J_QUEUE + ".retry.3",
                NEO4J_QUEUE + ".retry.4", DLQ}) {
            Broker.purge(queue); // nothing left over from an earlier run
        }
        double retried = retried();
        double stored = stored();
        NEO4J_PROXY.cut();

        var accepted = Http.as(port, user, "user").postJson("/events",
                Map.of("user_id", user, "product_id", product, "event_type", "purchase", "user_session", "s"));

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        String eventId = accepted.json().get("event_id").asText();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(retried() - retried).isGreaterThanOrEqualTo(1));
        assertThat(interactions(user, product)).as("nothing reached Neo4j").isZero();

        NEO4J_PROXY.restore();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(interactions(user, product)).isEqualTo(1));
        assertThat(NEO4J_DIRECT.executableQuery("MATCH (e:Event {id: $id}) RETURN count(e)").withParameters(Map.of("id", eventId))
                .execute().records().get(0).get(0).asLong()).isEqualTo(1);
        assertThat(stored() - stored).isEqualTo(1);
        assertThat(Broker.depth(DLQ)).isZero();
        assertThat(CommerceEventsFlowTest.profile(user)).as("the Qdrant worker was not held up").isNotNull();
    }

    /** The INTERACTED count, read from Neo4j directly (not through the proxy); 0 when there is none. */
    private long interactions(String user, String product) {
        var records = NEO4J_DIRECT.executableQuery(
                        "MATCH (:User {id: $user})-[r:INTERACTED {type: 'purchase'}]->(:Product {id: $product}) RETURN r.count")
                .withParameters(Map.of("user", user, "product", product)).execute().records();
        return records.isEmpty() ? 0 : records.get(0).get(0).asLong();
    }

    private double retried() {
        return meters.find("caravan.messages.retried").tag("queue", NEO4J_QUEUE).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double stored() {
        var counter = meters.find("caravan.messages.stored").tag("queue", NEO4J_QUEUE).counter();
        return counter == null ? 0 : counter.count();
    }
}
