package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What the operations console reads, as admin APIs: {@code GET /ops/flows}, {@code GET /ops/outbox}, the
 * dead-letter listing's filters and the rates in {@code GET /rabbitmq/queues}; and the console page itself
 * is for admins only.
 */
class OpsOverviewTest extends CaravanTest {

    private static final String QUEUE = "chat_history";
    private static final String DLQ = "chat_history.dlq";
    private static final Duration WITHIN = Duration.ofSeconds(15);

    @LocalServerPort
    int port;

    Http http;
    String user;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        user = "overview-" + UUID.randomUUID();
        Broker.purge(DLQ);
    }

    @Test
    void eachFlowShowsItsDoorsItsConsumersWithTheirWorkerTypesAndItsQueues() {
        var report = http.get("/ops/flows");

        assertThat(report.status()).isEqualTo(200);
        assertThat(report.contentType()).startsWith("application/json");
        JsonNode flows = report.json().get("flows");
        assertThat(flows.findValuesAsText("name"))
                .contains("chat-history", "chat-relay", "commerce-events", "campus-assistant", "learning-events");
        JsonNode chat = flow(flows, "chat-history");
        assertThat(chat.get("file").asText()).isEqualTo("chat-history.yaml");
        assertThat(chat.get("description").asText()).contains("logged to PostgreSQL");
        assertThat(chat.get("doors")).anySatisfy(door -> {
            assertThat(door.get("method").asText()).isEqualTo("POST");
            assertThat(door.get("path").asText()).isEqualTo("/chat");
            assertThat(door.get("status").asText()).isEqualTo("Started");
        });
        assertThat(chat.get("consumers")).singleElement().satisfies(consumer -> {
            assertThat(consumer.get("route_id").asText()).isEqualTo("chat-history.consume");
            assertThat(consumer.get("queue").asText()).isEqualTo(QUEUE);
            assertThat(consumer.get("queue_key").asText()).isEqualTo("chat-history");
            assertThat(consumer.get("dead_letter_queue").asText()).isEqualTo(DLQ);
            assertThat(consumer.get("retry_queues").get(0).asText()).isEqualTo("chat_history.retry.1");
            assertThat(consumer.get("worker_type").asText()).isEqualTo("chat-history");
            assertThat(consumer.get("status").asText()).isEqualTo("Started");
        });
        assertThat(texts(chat.get("routes"))).contains("chat-history.ingress", "chat-history.consume", "chat-history.store");
        // commerce-events consumes two queues, each with its own worker type
        assertThat(flow(flows, "commerce-events").get("consumers").findValuesAsText("worker_type"))
                .contains("commerce-neo4j", "commerce-qdrant");
        JsonNode workers = report.json().get("workers");
        assertThat(texts(workers.get("selected"))).containsExactly("all");
        assertThat(texts(workers.get("running"))).contains("chat-history", "commerce-neo4j", "chat-relay-responder");
        assertThat(workers.get("not_started")).isEmpty();
    }

    @Test
    void aFlowsRecentCountsGrowWithWhatItAcceptsStoresAndDeadLetters() throws Exception {
        JsonNode before = flow(http.get("/ops/flows").json().get("flows"), "chat-history").get("messages");

        var chat = http.postJson("/chat", Map.of("user_id", user, "message", "count me"));
        Broker.publish("", QUEUE, "{not json".getBytes(StandardCharsets.UTF_8), Broker.json("poison-" + user));

        assertThat(chat.status()).isEqualTo(200);
        await().atMost(WITHIN).untilAsserted(() -> {
            JsonNode after = flow(http.get("/ops/flows").json().get("flows"), "chat-history").get("messages");
            assertThat(after.get("accepted").asLong()).isGreaterThan(before.get("accepted").asLong());
            assertThat(after.get("stored").asLong()).isGreaterThan(before.get("stored").asLong());
            assertThat(after.get("dead_lettered").asLong()).isGreaterThan(before.get("dead_lettered").asLong());
        });
        JsonNode report = http.get("/ops/flows").json();
        assertThat(Instant.parse(report.get("counts_since").asText())).isBefore(Instant.now());
        assertThat(report.get("counts_seconds").asLong()).isPositive();
    }

    @Test
    void theOutboxSaysHowManyWaitAndHowOldTheOldestIs() {
        var outbox = http.get("/ops/outbox");

        assertThat(outbox.status()).isEqualTo(200);
        assertThat(outbox.json().get("depth").asLong()).isNotNegative();
        assertThat(outbox.json().get("oldest_age_seconds").asLong()).isNotNegative();
        assertThat(outbox.json().get("alert_after_seconds").asLong()).isEqualTo(300);
        assertThat(outbox.json().get("status").asText()).isIn("UP", "DOWN");
    }

    @Test
    void theOverviewIsForAdminsOnlyAndRefusesInProblemJson() {
        for (String path : new String[] {"/ops/flows", "/ops/outbox"}) {
            var asUser = Http.as(port, "alice", "user").get(path);
            var anonymous = Http.anonymous(port).get(path);

            assertThat(asUser.status()).as(path).isEqualTo(403);
            assertThat(asUser.contentType()).startsWith("application/problem+json");
            assertThat(anonymous.status()).as(path).isEqualTo(401);
            assertThat(anonymous.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void deadLettersCanBeListedByReasonFailureKindQueueAndTime() throws Exception {
        Instant now = Instant.now();
        publishDeadLetter("old-" + user, "transient", "Connection refused", now.minusSeconds(3600));
        publishDeadLetter("poison-" + user, "poison", "$.user_input: is missing but it is required", now);
        publishDeadLetter("db-" + user, "transient", "Connection refused", now);

        var poison = http.get("/ops/dead-letters/" + DLQ + "?failure=poison");
        var refused = http.get("/ops/dead-letters/" + DLQ + "?reason=REFUSED&failed_after=" + now.minusSeconds(60));
        var byQueue = http.get("/ops/dead-letters/" + DLQ + "?original_queue=" + QUEUE + "&limit=1&offset=1");
        var elsewhere = http.get("/ops/dead-letters/" + DLQ + "?original_queue=chat_requests");
        var wrong = http.get("/ops/dead-letters/" + DLQ + "?failure=fatal&failed_after=yesterday");

        assertThat(poison.status()).isEqualTo(200);
        assertThat(poison.json().get("dead_letters").findValuesAsText("message_id")).containsExactly("poison-" + user);
        assertThat(poison.json().get("depth").asLong()).isEqualTo(3);
        assertThat(poison.json().get("more").asBoolean()).isFalse();
        assertThat(refused.json().get("dead_letters").findValuesAsText("message_id")).containsExactly("db-" + user);
        assertThat(byQueue.json().get("dead_letters").findValuesAsText("message_id")).containsExactly("poison-" + user);
        assertThat(byQueue.json().get("more").asBoolean()).isTrue();
        assertThat(elsewhere.json().get("dead_letters")).isEmpty();
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.contentType()).startsWith("application/problem+json");
        assertThat(wrong.text()).contains("failure", "failed_after");
        // listing moved nothing
        assertThat(Broker.depth(DLQ)).isEqualTo(3);
    }

    @Test
    void theQueueSummaryCarriesRatesFromTheManagementApi() {
        var summary = http.get("/rabbitmq/queues").json();

        assertThat(summary.get("source").asText()).isEqualTo(QueueOperations.MANAGEMENT_API);
        JsonNode chat = null;
        for (JsonNode q : summary.get("queues")) {
            if (q.get("name").asText().equals(QUEUE)) {
                chat = q;
            }
        }
        assertThat(chat).isNotNull();
        assertThat(chat.get("publish_rate").isNumber()).isTrue();
        assertThat(chat.get("deliver_rate").isNumber()).isTrue();
        assertThat(chat.get("messages_unacknowledged").isNumber()).isTrue();
        assertThat(chat.at("/dead_letter_queue/publish_rate").isNumber()).isTrue();
    }

    @Test
    void theConsolePageIsForAdminsOnly() {
        var admin = http.get("/console");
        var asset = http.get("/console/console.js");
        var asUser = Http.as(port, "alice", "user").get("/console");
        var anonymous = Http.anonymous(port).get("/console/console.js");

        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.contentType()).startsWith("text/html");
        assertThat(admin.text()).contains("Caravan", "/console/console.js");
        assertThat(asset.status()).isEqualTo(200);
        assertThat(asUser.status()).isEqualTo(403);
        assertThat(asUser.contentType()).startsWith("application/problem+json");
        assertThat(anonymous.status()).isEqualTo(401);
    }

    @Test
    void theConsoleHandsItsAdminABearerTokenForTheApisAndNobodyElse() {
        var token = http.get("/console/token");
        var refused = Http.as(port, "alice", "user").get("/console/token");

        assertThat(token.status()).isEqualTo(200);
        assertThat(token.header("Cache-Control")).contains("no-store");
        assertThat(texts(token.json().get("roles"))).contains("admin");
        var flows = new Http(port, token.json().get("token").asText()).get("/ops/flows");
        assertThat(flows.status()).isEqualTo(200);
        assertThat(refused.status()).isEqualTo(403);
    }

    private static JsonNode flow(JsonNode flows, String name) {
        for (JsonNode flow : flows) {
            if (flow.get("name").asText().equals(name)) {
                return flow;
            }
        }
        throw new AssertionError("no flow " + name + " in " + flows);
    }

    private static java.util.List<String> texts(JsonNode array) {
        java.util.List<String> texts = new java.util.ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** A dead letter straight into the DLQ, headed as {@link DeadLetters} heads one. */
    private void publishDeadLetter(String id, String failure, String reason, Instant lastFailure) throws Exception {
        Map<String, Object> headers = new HashMap<>();
        headers.put(DeadLetters.H_FAILURE, failure);
        headers.put(DeadLetters.H_REASON, reason);
        headers.put(DeadLetters.H_ORIGINAL_QUEUE, QUEUE);
        headers.put(DeadLetters.H_ATTEMPTS, 3);
        headers.put(DeadLetters.H_FIRST_FAILURE, lastFailure.minusSeconds(40).toString());
        headers.put(DeadLetters.H_LAST_FAILURE, lastFailure.toString());
        AMQP.BasicProperties props = Broker.json(id).builder().headers(headers).build();
        Broker.publish("", DLQ, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), props);
    }
}
