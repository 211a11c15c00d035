package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Queue operations under {@code /rabbitmq} with the management API reachable: health, per-queue stats,
 * purge, the summary, and 404 for any queue that is not Caravan's.
 */
class QueueOperationsTest extends CaravanTest {

    static final String QUEUE = "chat_history";
    static final String DLQ = "chat_history.dlq";
    static final List<String> RETRY_QUEUES = List.of("chat_history.retry.1", "chat_history.retry.2", "chat_history.retry.3");
    /** The management API refreshes its statistics every 5 s (collect_statistics_interval). */
    static final Duration STATS_WITHIN = Duration.ofSeconds(20);

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    AmqpAdmin amqpAdmin;
    @Autowired
    ObjectMapper json;

    Http http;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        Broker.purge(DLQ);
    }

    @Test
    void healthNamesTheBrokerVersionAndEveryCaravanQueue() throws Exception {
        var health = http.get("/rabbitmq/health");

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.contentType()).isEqualTo("application/json");
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
        assertThat(health.json().get("reachable").asBoolean()).isTrue();
        assertThat(health.json().get("version").asText()).isEqualTo(Broker.serverVersion());
        assertThat(health.json().get("management_api").asBoolean()).isTrue();
        // every flow's queues, e.g. chat-history's and commerce-events' (whose dead-letter queue is shared)
        assertThat(fieldNames(health.json().get("queues"))).contains(
                QUEUE, DLQ, RETRY_QUEUES.get(0), RETRY_QUEUES.get(1), RETRY_QUEUES.get(2),
                "events.neo4j", "events.neo4j.retry.3", "events.qdrant", "events.qdrant.retry.1", "events.dlq");
        health.json().get("queues").forEach(exists -> assertThat(exists.asBoolean()).isTrue());
    }

    @Test
    void healthIsUnavailableWhenACaravanQueueIsMissing() throws Exception {
        String missing = RETRY_QUEUES.get(2);
        Broker.delete(missing);
        try {
            var health = http.get("/rabbitmq/health");

            assertThat(health.status()).isEqualTo(503);
            assertThat(health.contentType()).isEqualTo("application/problem+json");
            assertThat(health.json().get("detail").asText()).contains(missing);
            assertThat(health.json().get("dependency").asText()).isEqualTo("rabbitmq");
            assertThat(health.json().get("reachable").asBoolean()).isTrue();
            assertThat(health.json().at("/queues/" + missing).asBoolean()).isFalse();
            assertThat(health.json().at("/queues/" + QUEUE).asBoolean()).isTrue();
        } finally {
            amqpAdmin.initialize(); // declares Caravan's topology again
        }
        assertThat(Broker.exists(missing)).isTrue();
        assertThat(http.get("/rabbitmq/health").status()).isEqualTo(200);
    }

    @Test
    void queueStatsFromTheManagementApiCountWhatWasPublished() throws Exception {
        String user = "ops-" + UUID.randomUUID();
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.purge(QUEUE);
            for (int i = 0; i < 3; i++) {
                Broker.publish(QUEUE, json.writeValueAsString(Map.of("id", user + "-" + i, "user_id", user,
                        "user_input", "message " + i, "bot_response", "ok")), Broker.json(null));
            }
            assertThat(Broker.depth(QUEUE)).isEqualTo(3);

            await().atMost(STATS_WITHIN).untilAsserted(() -> {
                var stats = http.get("/rabbitmq/queues/" + QUEUE);
                assertThat(stats.status()).isEqualTo(200);
                assertThat(stats.contentType()).isEqualTo("application/json");
                JsonNode body = stats.json();
                assertThat(body.get("source").asText()).isEqualTo("management-api");
                assertThat(body.get("messages_ready").asLong()).isEqualTo(3);
                assertThat(body.get("messages_unacknowledged").asLong()).isZero();
                assertThat(body.get("consumers").asInt()).isZero();
            });
            JsonNode stats = http.get("/rabbitmq/queues/" + QUEUE).json();
            assertThat(stats.get("name").asText()).isEqualTo(QUEUE);
            assertThat(stats.get("role").asText()).isEqualTo("work");
            assertThat(stats.get("work_queue").asText()).isEqualTo(QUEUE);
            assertThat(stats.get("publish_rate").isNumber()).as("publish_rate").isTrue();
            assertThat(stats.get("deliver_rate").isNumber()).as("deliver_rate").isTrue();
        } finally {
            camel.getRouteController().startRoute("chat-history.consume");
        }

        // the consumer is back: it takes the messages, and the statistics say so
        await().atMost(STATS_WITHIN).untilAsserted(() -> {
            JsonNode body = http.get("/rabbitmq/queues/" + QUEUE).json();
            assertThat(body.get("consumers").asInt()).isEqualTo(1);
            assertThat(body.get("messages_ready").asLong()).isZero();
        });
        assertThat(Broker.depth(QUEUE)).isZero();
    }

    @Test
    void aDeadLetterOrRetryQueueIsACaravanQueueToo() {
        JsonNode dlq = http.get("/rabbitmq/queues/" + DLQ).json();
        JsonNode retry = http.get("/rabbitmq/queues/" + RETRY_QUEUES.get(0)).json();

        assertThat(dlq.get("role").asText()).isEqualTo("dead-letter");
        assertThat(dlq.get("work_queue").asText()).isEqualTo(QUEUE);
        assertThat(retry.get("role").asText()).isEqualTo("retry");
        assertThat(retry.get("work_queue").asText()).isEqualTo(QUEUE);
    }

    @Test
    void purgeEmptiesACaravanQueueAndSaysHowMany() throws Exception {
        Broker.publish(DLQ, "{\"parked\": 1}", Broker.json(null));
        Broker.publish(DLQ, "{\"parked\": 2}", Broker.json(null));
        assertThat(Broker.depth(DLQ)).isEqualTo(2);

        var purge = http.post("/rabbitmq/queues/" + DLQ + "/purge", null);

        assertThat(purge.status()).isEqualTo(200);
        assertThat(purge.contentType()).isEqualTo("application/json");
        assertThat(purge.json().get("name").asText()).isEqualTo(DLQ);
        assertThat(purge.json().get("purged").asLong()).isEqualTo(2);
        assertThat(Broker.depth(DLQ)).isZero();
    }

    @Test
    void aQueueThatIsNotCaravansIs404AndIsLeftAlone() throws Exception {
        String foreign = "not-caravans-" + UUID.randomUUID();
        Broker.declare(foreign);
        try {
            Broker.publish(foreign, "{\"theirs\": true}", Broker.json(null));

            var stats = http.get("/rabbitmq/queues/" + foreign);
            var purge = http.post("/rabbitmq/queues/" + foreign + "/purge", null);
            var unknown = http.get("/rabbitmq/queues/no_such_queue");

            assertThat(stats.status()).isEqualTo(404);
            assertThat(stats.contentType()).isEqualTo("application/problem+json");
            assertThat(stats.json().get("status").asInt()).isEqualTo(404);
            assertThat(stats.json().get("detail").asText()).contains(foreign);
            assertThat(purge.status()).isEqualTo(404);
            assertThat(purge.contentType()).isEqualTo("application/problem+json");
            assertThat(Broker.depth(foreign)).isEqualTo(1);
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.json().get("detail").asText()).contains("no_such_queue");
        } finally {
            Broker.delete(foreign);
        }
    }

    @Test
    void summaryListsChatHistoryWithItsDeadLetterAndRetryQueues() throws Exception {
        Broker.publish(DLQ, "{\"parked\": true}", Broker.json(null));

        await().atMost(STATS_WITHIN).untilAsserted(() -> {
            var summary = http.get("/rabbitmq/queues");
            assertThat(summary.status()).isEqualTo(200);
            assertThat(summary.contentType()).isEqualTo("application/json");
            assertThat(summary.json().get("source").asText()).isEqualTo("management-api");
            JsonNode chat = workQueue(summary.json(), "chat-history");
            assertThat(chat.get("dead_letter_queue").get("messages_ready").asLong()).isEqualTo(1);
        });
        JsonNode chat = workQueue(http.get("/rabbitmq/queues").json(), "chat-history");
        assertThat(chat.get("name").asText()).isEqualTo(QUEUE);
        assertThat(chat.get("exists").asBoolean()).isTrue();
        assertThat(chat.get("messages_ready").isNumber()).isTrue();
        assertThat(chat.get("consumers").asInt()).isEqualTo(1);
        assertThat(chat.get("dead_letter_queue").get("name").asText()).isEqualTo(DLQ);
        assertThat(chat.get("retry_queues").findValuesAsText("name")).containsExactlyElementsOf(RETRY_QUEUES);
        chat.get("retry_queues").forEach(retry -> {
            assertThat(retry.get("exists").asBoolean()).isTrue();
            assertThat(retry.get("messages_ready").isNumber()).isTrue();
        });
    }

    @Test
    void theOperationsAreInTheOpenApiDocumentAndNamedRoutes() {
        JsonNode paths = http.get("/api-doc").json().get("paths");
        JsonNode routes = http.get("/actuator/flows").json();

        assertThat(fieldNames(paths)).contains("/rabbitmq/health", "/rabbitmq/queues", "/rabbitmq/queues/{name}",
                "/rabbitmq/queues/{name}/purge");
        assertThat(paths.at("/~1rabbitmq~1queues~1{name}~1purge").has("post")).isTrue();
        assertThat(routes.findValuesAsText("id")).contains("ops.health", "ops.queues", "ops.queue", "ops.purge");
    }

    static JsonNode workQueue(JsonNode summary, String key) {
        for (JsonNode queue : summary.get("queues")) {
            if (queue.get("key").asText().equals(key)) {
                return queue;
            }
        }
        throw new AssertionError("no work queue " + key + " in " + summary);
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
