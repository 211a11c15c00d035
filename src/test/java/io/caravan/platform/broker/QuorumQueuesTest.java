package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
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

/**
 * chat-history on quorum queues (on the machine's single-node broker; QuorumClusterTest runs a cluster):
 * what is declared, the retry ladder handing a message back through at-least-once dead-lettering, the
 * delivery limit parking a message nobody settles, replay, statistics and purge as on classic queues, and a
 * queue of the other type stopping start-up with what to do.
 */
@DirtiesContext
class QuorumQueuesTest extends CaravanTest {

    static final String QUEUE = "chat_history.quorum-test";
    static final String RETRY = QUEUE + ".retry.1";
    static final String DLQ = QUEUE + ".dlq";
    static final Duration WITHIN = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void chatHistoryOnQuorumQueues(DynamicPropertyRegistry registry) throws Exception {
        for (String queue : new String[] {QUEUE, RETRY, DLQ}) {
            Broker.delete(queue); // a previous run's queues may hold messages
        }
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
        registry.add("caravan.broker.queues.chat-history.type", () -> "quorum");
        registry.add("caravan.broker.queues.chat-history.retry-delays[0]", () -> "1s");
        registry.add("caravan.broker.queues.chat-history.arguments.x-delivery-limit", () -> "2");
    }

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    JdbcTemplate jdbc;

    final ObjectMapper json = new ObjectMapper();
    final String user = "quorum-" + UUID.randomUUID();

    @Test
    void theWorkRetryAndDeadLetterQueuesAreQuorumQueuesAndAPostIsStored() {
        assertThat(Broker.arguments(QUEUE)).containsEntry("x-queue-type", "quorum")
                .containsEntry("x-delivery-limit", 2)
                .containsEntry("x-dead-letter-exchange", "").containsEntry("x-dead-letter-routing-key", DLQ)
                .containsEntry("x-dead-letter-strategy", "at-least-once").containsEntry("x-overflow", "reject-publish");
        assertThat(Broker.arguments(RETRY)).containsEntry("x-queue-type", "quorum").containsEntry("x-message-ttl", 1000)
                .containsEntry("x-dead-letter-routing-key", QUEUE).containsEntry("x-dead-letter-strategy", "at-least-once");
        assertThat(Broker.arguments(DLQ)).containsEntry("x-queue-type", "quorum");

        var accepted = new Http(port).postJson("/chat", Map.of("user_id", user, "message", "on a quorum queue"));

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = accepted.json().get("interaction_id").asText();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(id)).isEqualTo(1));
    }

    @Test
    void aMessageWaitingInTheRetryQueueComesBackThroughAtLeastOnceDeadLetteringAndIsStored() throws Exception {
        String id = "retried-" + user;

        Broker.publish(RETRY, body(id, "waited in the ladder"), Broker.json(id));

        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(id)).isEqualTo(1));
        assertThat(Broker.depth(RETRY)).isZero();
    }

    @Test
    void aMessageNobodySettlesIsParkedByTheDeliveryLimitThenReplayedStatisticsAndPurgeWork() throws Exception {
        String id = "unsettled-" + user;
        Http http = new Http(port);
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.publish(QUEUE, body(id, "its consumer dies every time"), Broker.json(id));
            // a consumer that dies holding the message, again and again: the broker counts the returns
            int handedOut = 0;
            while (handedOut < 10) {
                await().atMost(WITHIN).until(() -> Broker.depth(QUEUE) + Broker.depth(DLQ) == 1);
                if (Broker.depth(DLQ) == 1) {
                    break;
                }
                handOutAndReturn(QUEUE);
                handedOut++;
            }

            assertThat(handedOut).as("hand-outs until parked (x-delivery-limit 2)").isLessThanOrEqualTo(3);
            await().atMost(WITHIN).untilAsserted(() -> {
                var stats = http.get("/rabbitmq/queues/" + DLQ).json();
                assertThat(stats.get("messages_ready").asLong()).isEqualTo(1);
                assertThat(stats.get("role").asText()).isEqualTo("dead-letter");
            });
            assertThat(Broker.depth(QUEUE)).isZero();
        } finally {
            camel.getRouteController().startRoute("chat-history.consume");
        }

        var replay = http.postJson("/ops/dead-letters/" + DLQ + "/replay", Map.of("all", true));

        assertThat(replay.status()).as(replay.text()).isEqualTo(200);
        assertThat(replay.json().get("replayed").asInt()).isEqualTo(1);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(id)).isEqualTo(1));

        Broker.publish(DLQ, body("parked-" + user, "parked"), Broker.json("parked-" + user));
        var purge = http.post("/rabbitmq/queues/" + DLQ + "/purge", null);
        assertThat(purge.status()).isEqualTo(200);
        assertThat(purge.json().get("purged").asLong()).isEqualTo(1);
        assertThat(Broker.depth(DLQ)).isZero();
    }

    @Test
    void aClassicQueueWhereAQuorumQueueIsConfiguredStopsStartUpSayingWhatToDo() throws Exception {
        String queue = "caravan.queue-type-test";
        Broker.delete(queue);
        Broker.declare(queue); // classic, as an older Caravan or a seed client made it

        assertThatThrownBy(() -> new SpringApplicationBuilder(CaravanApplication.class)
                .run("--server.port=0",
                        "--spring.datasource.url=${TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/caravan_test}",
                        "--spring.neo4j.uri=" + TestNeo4j.boltUri(),
                        "--caravan.dev.stand-ins=false",
                        "--camel.main.routes-reload-enabled=false",
                        "--caravan.broker.queues.chat-history.name=chat_history.queue-type-test",
                        "--caravan.broker.queues.typed.name=" + queue,
                        "--caravan.broker.queues.typed.type=quorum")
                .close())
                // the broker names another argument first (x-dead-letter-exchange): Caravan finds out it is the type
                .hasStackTraceContaining("'" + queue + "' exists on the broker as a classic queue")
                .hasStackTraceContaining("caravan.broker.queues.typed.type=classic")
                .hasStackTraceContaining("docs/rabbitmq-cluster.md");
        assertThat(Broker.arguments(queue)).doesNotContainKey("x-queue-type");
    }

    private String body(String id, String input) throws Exception {
        return json.writeValueAsString(Map.of("id", id, "user_id", user, "user_input", input, "bot_response", "ok"));
    }

    private int rowsWithId(String id) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id);
    }

    /** Takes a message without acking and closes the connection, as a consumer that crashed would. */
    private static void handOutAndReturn(String queue) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServices.rabbitHost());
        factory.setPort(RealServices.rabbitPort());
        factory.setVirtualHost(System.getenv().getOrDefault("RABBITMQ_VHOST", "/"));
        try (Connection connection = factory.newConnection("caravan-test-crashing-consumer")) {
            Channel channel = connection.createChannel();
            GetResponse got = channel.basicGet(queue, false);
            assertThat(got).as("a message on " + queue).isNotNull();
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).contains("its consumer dies");
        }
    }
}
