package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.TcpProxy;
import io.caravan.support.TestNeo4j;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Seed 002's {@code USE_RABBITMQ=false}: {@code POST /events} writes straight to Neo4j and Qdrant in the
 * request, so both hold the event when the answer arrives (no waiting), and nothing is published. Neo4j is
 * reached through a proxy the test can cut, to see the answer when a sink is down.
 */
@DirtiesContext
class CommerceEventsBypassTest extends CaravanTest {

    static final TcpProxy NEO4J_PROXY = TcpProxy.to("127.0.0.1", URI.create(TestNeo4j.boltUri()).getPort());

    @DynamicPropertySource
    static void withoutTheBroker(DynamicPropertyRegistry registry) {
        registry.add("caravan.commerce.use-rabbitmq", () -> "false");
        registry.add("spring.neo4j.uri", () -> "bolt://127.0.0.1:" + NEO4J_PROXY.port());
    }

    @LocalServerPort
    int port;
    @Autowired
    Driver neo4j;
    @Autowired
    MeterRegistry meters;

    String user;
    Http http;

    @BeforeEach
    void setUp() {
        user = "direct-" + UUID.randomUUID();
        http = Http.as(port, user, "user");
    }

    @AfterEach
    void restore() {
        NEO4J_PROXY.restore();
    }

    @AfterAll
    static void close() {
        NEO4J_PROXY.close();
    }

    @Test
    void anEventIsInNeo4jAndQdrantWhenTheAnswerArrivesAndNothingIsPublished() throws Exception {
        String product = "p-" + UUID.randomUUID();

        var stored = http.postJson("/events", Map.of("user_id", user, "product_id", product, "event_type", "cart",
                "user_session", "s", "category", "kitchen.kettle", "price", 25.5));

        assertThat(stored.status()).as(stored.text()).isEqualTo(201);
        assertThat(stored.json().get("path").asText()).isEqualTo("direct");
        assertThat(stored.json().get("status").asText()).isEqualTo("stored");
        assertThat(stored.header("Caravan-Path")).isEqualTo("direct");
        String eventId = stored.json().get("event_id").asText();
        // the same data model as the workers write, already there
        assertThat(count("MATCH (:User {id: $user})-[r:INTERACTED {type: 'cart', count: 1}]->(p:Product {id: $product, "
                + "category: 'kitchen.kettle', price: 25.5}) RETURN count(r)", Map.of("user", user, "product", product))).isEqualTo(1);
        assertThat(count("MATCH (e:Event {id: $id}) RETURN count(e)", Map.of("id", eventId))).isEqualTo(1);
        assertThat(CommerceEventsFlowTest.profile(user).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(1);
        assertThat(CommerceEventsFlowTest.interactionsOf(user)).hasSize(1);
        assertThat(published()).isZero();
    }

    @Test
    void aBatchIsStoredInTheRequestToo() throws Exception {
        String product = "p-" + UUID.randomUUID();
        var events = List.of(
                Map.of("user_id", user, "product_id", product, "event_type", "view", "user_session", "s"),
                Map.of("user_id", user, "product_id", product, "event_type", "purchase", "user_session", "s"));

        var stored = http.postJson("/events/batch", Map.of("events", events));

        assertThat(stored.status()).as(stored.text()).isEqualTo(201);
        assertThat(stored.json().get("count").asInt()).isEqualTo(2);
        assertThat(stored.json().get("path").asText()).isEqualTo("direct");
        assertThat(count("MATCH (:User {id: $user})-[r:INTERACTED]->(:Product {id: $product}) RETURN count(r)",
                Map.of("user", user, "product", product))).isEqualTo(2);
        assertThat(CommerceEventsFlowTest.interactionsOf(user)).hasSize(2);
        assertThat(published()).isZero();
    }

    @Test
    void neo4jDownIs503WithRetryAfter() throws Exception {
        NEO4J_PROXY.cut();

        var refused = http.postJson("/events", Map.of("user_id", user, "product_id", "p-1", "event_type", "view", "user_session", "s"));

        assertThat(refused.status()).as(refused.text()).isEqualTo(503);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.header("Retry-After")).isNotBlank();
        assertThat(CommerceEventsFlowTest.interactionsOf(user)).as("the Qdrant sink comes second and was not reached").isEmpty();
    }

    private long count(String cypher, Map<String, Object> parameters) {
        return neo4j.executableQuery(cypher).withParameters(parameters).execute().records().get(0).get(0).asLong();
    }

    private double published() {
        return meters.find("caravan.messages.accepted").tag("queue", "events").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
