package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.caravan.CaravanApplication;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RealServices;
import io.caravan.support.TestNeo4j;
import io.caravan.support.TestQdrant;
import io.caravan.support.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Workers that scale: a second Caravan instance on the same broker (a full application, started here
 * with 3 Neo4j workers where the test's own has the configured 2) shares the queues with the first.
 * Each event is processed by exactly one of them, which the instances' own counters show.
 */
class CommerceEventsScalingTest extends CaravanTest {

    static final int EVENTS = 40;
    static ConfigurableApplicationContext second;

    @LocalServerPort
    int port;
    @Autowired
    MeterRegistry meters;
    @Autowired
    Driver neo4j;

    @BeforeAll
    static void startASecondCaravan() {
        RealServices.requireReachable();
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", "0");
        properties.put("spring.datasource.url", System.getenv().getOrDefault("TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/caravan_test"));
        properties.put("caravan.dev.create-database", "true");
        properties.put("camel.main.routes-reload-enabled", "false");
        properties.put("caravan.security.jwt.secret", Tokens.SECRET);
        properties.put("caravan.security.dev-tokens", "false");
        properties.put("caravan.security.console.username", "console-admin");
        properties.put("caravan.security.console.password", "console-password-for-tests");
        properties.put("spring.neo4j.uri", TestNeo4j.boltUri());
        properties.put("camel.component.qdrant.host", TestQdrant.host());
        properties.put("camel.component.qdrant.port", String.valueOf(TestQdrant.port()));
        properties.put("caravan.broker.queues.events-neo4j.concurrency", "3");
        // a second application in this JVM: its own names for JMX
        properties.put("camel.main.name", "caravan-second");
        properties.put("spring.jmx.unique-names", "true");
        properties.put("spring.application.admin.enabled", "false");
        // as command-line arguments: they override application.yaml, as the test's own @SpringBootTest properties do
        second = new SpringApplicationBuilder(CaravanApplication.class)
                .run(properties.entrySet().stream().map(p -> "--" + p.getKey() + "=" + p.getValue()).toArray(String[]::new));
    }

    @AfterAll
    static void stopTheSecondCaravan() {
        if (second != null) {
            second.close();
        }
    }

    @Test
    void twoInstancesShareTheQueuesAndEveryEventIsProcessedOnce() throws Exception {
        MeterRegistry secondMeters = second.getBean(MeterRegistry.class);
        String user = "scale-" + UUID.randomUUID();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(Map.of("user_id", user, "product_id", "p-" + (i % 10), "event_type", i % 4 == 0 ? "cart" : "view",
                    "user_session", "s"));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Broker.consumers("events.neo4j")).as("2 workers here, 3 in the second instance").isEqualTo(5);
            assertThat(Broker.consumers("events.qdrant")).isEqualTo(4);
        });
        Map<String, Double> before = counts(meters, secondMeters);

        var accepted = Http.as(port, user, "user").postJson("/events/batch", Map.of("events", events));

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Double> now = counts(meters, secondMeters);
            assertThat(delta(now, before, "events.neo4j")).isEqualTo(EVENTS);
            assertThat(delta(now, before, "events.qdrant")).isEqualTo(EVENTS);
        });
        Map<String, Double> after = counts(meters, secondMeters);
        for (String queue : List.of("events.neo4j", "events.qdrant")) {
            assertThat(after.get("first " + queue) - before.get("first " + queue)).as("first instance on " + queue).isPositive();
            assertThat(after.get("second " + queue) - before.get("second " + queue)).as("second instance on " + queue).isPositive();
            assertThat(Broker.depth(queue)).isZero();
        }
        assertThat(neo4j.executableQuery("MATCH (e:Event {user_id: $user}) RETURN count(e)").withParameters(Map.of("user", user))
                .execute().records().get(0).get(0).asLong()).isEqualTo(EVENTS);
        assertThat(neo4j.executableQuery("MATCH (:User {id: $user})-[r:INTERACTED]->() RETURN sum(r.count)").withParameters(Map.of("user", user))
                .execute().records().get(0).get(0).asLong()).isEqualTo(EVENTS);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(CommerceEventsFlowTest.profile(user).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(EVENTS));
    }

    private static Map<String, Double> counts(MeterRegistry first, MeterRegistry secondRegistry) {
        Map<String, Double> counts = new HashMap<>();
        for (String queue : List.of("events.neo4j", "events.qdrant")) {
            counts.put("first " + queue, stored(first, queue));
            counts.put("second " + queue, stored(secondRegistry, queue));
        }
        return counts;
    }

    private static double delta(Map<String, Double> now, Map<String, Double> before, String queue) {
        return now.get("first " + queue) - before.get("first " + queue) + now.get("second " + queue) - before.get("second " + queue);
    }

    private static double stored(MeterRegistry registry, String queue) {
        var counter = registry.find("caravan.messages.stored").tag("queue", queue).counter();
        return counter == null ? 0 : counter.count();
    }
}
