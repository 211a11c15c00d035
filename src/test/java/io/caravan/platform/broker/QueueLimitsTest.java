package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.caravan.CaravanApplication;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RealServices;
import io.caravan.support.TestNeo4j;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Queue limits that don't lie: a full queue refuses the publish, and a queue declared otherwise stops start-up. */
@DirtiesContext
class QueueLimitsTest extends CaravanTest {

    static final String QUEUE = "chat_history.limits-test";

    @DynamicPropertySource
    static void aQueueOfOne(DynamicPropertyRegistry registry) throws Exception {
        Broker.delete(QUEUE); // a previous run's queue may hold a message
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
        registry.add("caravan.broker.queues.chat-history.arguments.x-max-length", () -> "1");
    }

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aFullQueueRefusesThePublishAndTheCallerLearnsItWentToTheOutbox() throws Exception {
        Http http = new Http(port);
        String user = "full-" + UUID.randomUUID();
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.purge(QUEUE);
            var first = http.postJson("/chat", Map.of("user_id", user, "message", "fits"));
            var second = http.postJson("/chat", Map.of("user_id", user, "message", "does not fit"));

            assertThat(first.header("Caravan-Accepted-Via")).isEqualTo("broker");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.header("Caravan-Accepted-Via")).isEqualTo("outbox");
            assertThat(Broker.depth(QUEUE)).isEqualTo(1);
        } finally {
            camel.getRouteController().startRoute("chat-history.consume");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT user_input FROM chat_history WHERE user_id = ? ORDER BY stored_at", String.class, user))
                .containsExactly("fits", "does not fit"));
    }

    @Test
    void messagesWaitingForAFullQueueAreRelayedInTheOrderAccepted() throws Exception {
        Http http = new Http(port);
        String user = "full-order-" + UUID.randomUUID();
        List<String> sent = List.of("m0", "m1", "m2", "m3", "m4", "m5");
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.purge(QUEUE);
            for (String message : sent) {
                assertThat(http.postJson("/chat", Map.of("user_id", user, "message", message)).status()).isEqualTo(200);
            }
            // the queue holds one; the broker refuses the relay's attempts while nobody consumes
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "SELECT count(*) FROM outbox WHERE attempts > 0 AND convert_from(body, 'UTF8') LIKE ?", Integer.class,
                    "%" + user + "%") > 0);
        } finally {
            camel.getRouteController().startRoute("chat-history.consume");
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT user_input FROM chat_history WHERE user_id = ? ORDER BY stored_at", String.class, user))
                .containsExactlyElementsOf(sent));
    }

    @Test
    void aQueueDeclaredWithOtherArgumentsStopsStartUpNamingTheQueueAndTheArgument() throws Exception {
        String queue = "caravan.precondition-test";
        Broker.delete(queue);
        declare(queue, Map.of("x-max-length", 5));

        // command-line arguments: default properties would lose to application.yaml (its DB_URL, its queue names)
        assertThatThrownBy(() -> new SpringApplicationBuilder(CaravanApplication.class)
                .run("--server.port=0",
                        "--spring.datasource.url=${TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/caravan_test}",
                        "--spring.neo4j.uri=" + TestNeo4j.boltUri(),
                        "--camel.main.routes-reload-enabled=false",
                        "--caravan.broker.queues.chat-history.name=chat_history.precondition-test",
                        "--caravan.broker.queues.precondition.name=" + queue,
                        "--caravan.broker.queues.precondition.arguments.x-max-length=10")
                .close())
                .rootCause()
                .hasMessageContaining(queue)
                .hasMessageContaining("x-max-length");
    }

    private static void declare(String queue, Map<String, Object> arguments) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServices.rabbitHost());
        factory.setPort(RealServices.rabbitPort());
        factory.setVirtualHost(System.getenv().getOrDefault("RABBITMQ_VHOST", "/"));
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, arguments);
        }
    }
}
