package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The dead-letter admin API ({@code /ops/dead-letters}) against the real broker and database: real
 * dead letters made by the chat-history flow, and hand-made ones written the way {@link DeadLetters}
 * writes them, listed, replayed into PostgreSQL and deleted.
 */
class DeadLetterReplayTest extends CaravanTest {

    private static final String QUEUE = "chat_history";
    private static final String DLQ = "chat_history.dlq";
    private static final String OPS = "/ops/dead-letters/" + DLQ;
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    CamelContext camel;

    Http http;
    String user;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        user = "replay-" + UUID.randomUUID();
        Broker.purge(DLQ);
    }

    @Test
    void listingShowsRealDeadLettersWithTheirReasonsAndLeavesThemInPlaceInOrder() throws Exception {
        byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
        String schemaViolation = json.writeValueAsString(Map.of("user_id", user, "bot_response", "no user_input"));
        byte[] notUtf8 = {(byte) 0x80, (byte) 0x81, (byte) 0xC3, 0x28};
        Broker.publish("", QUEUE, notJson, Broker.json("not-json-" + user));
        Broker.publish(QUEUE, schemaViolation, Broker.json("invalid-" + user));
        Broker.publish("", QUEUE, notUtf8, Broker.json("binary-" + user));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(3));

        var page = http.get(OPS);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("application/json");
        JsonNode letters = page.json().get("dead_letters");
        assertThat(letters.findValuesAsText("message_id"))
                .containsExactly("not-json-" + user, "invalid-" + user, "binary-" + user);
        assertThat(page.json().get("depth").asLong()).isEqualTo(3);
        assertThat(page.json().get("more").asBoolean()).isFalse();
        JsonNode first = letters.get(0);
        assertThat(first.get("failure").asText()).isEqualTo("poison");
        assertThat(first.get("exception").asText()).contains("JsonValidationException");
        assertThat(first.get("original_queue").asText()).isEqualTo(QUEUE);
        assertThat(first.get("original_routing_key").asText()).isEqualTo(QUEUE);
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("route").asText()).isEqualTo("chat-history.consume");
        assertThat(Instant.parse(first.get("last_failure").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(first.get("body_encoding").asText()).isEqualTo("utf-8");
        assertThat(first.get("body").asText()).isEqualTo("{not json");
        assertThat(first.get("size").asInt()).isEqualTo(notJson.length);
        assertThat(letters.get(1).get("reason").asText()).contains("user_input");
        assertThat(letters.get(1).get("body").asText()).isEqualTo(schemaViolation);
        assertThat(letters.get(2).get("body_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(letters.get(2).get("body").asText())).isEqualTo(notUtf8);

        var second = http.get(OPS + "?offset=1&limit=1").json();
        assertThat(second.get("dead_letters")).hasSize(1);
        assertThat(second.at("/dead_letters/0/message_id").asText()).isEqualTo("invalid-" + user);
        assertThat(second.at("/dead_letters/0/position").asInt()).isEqualTo(1);
        assertThat(second.get("more").asBoolean()).isTrue();

        // nothing was taken and nothing moved
        assertThat(Broker.depth(DLQ)).isEqualTo(3);
        assertThat(Broker.drain(DLQ)).extracting(m -> m.properties().getMessageId())
                .containsExactly("not-json-" + user, "invalid-" + user, "binary-" + user);
    }

    @Test
    void theDeadLetterQueuesAreListedWithTheirDepth() throws Exception {
        publishDeadLetter(validBody("depth-" + user), "depth-" + user, "transient", "db down", Instant.now());

        var queues = http.get("/ops/dead-letters");

        assertThat(queues.status()).isEqualTo(200);
        assertThat(queues.json()).anySatisfy(q -> {
            assertThat(q.get("queue").asText()).isEqualTo(QUEUE);
            assertThat(q.get("dead_letter_queue").asText()).isEqualTo(DLQ);
            assertThat(q.get("depth").asLong()).isEqualTo(1);
        });
    }

    @Test
    void aReplayedDeadLetterIsStoredOnceEvenWhenReplayedAgainAndTheDlqEmpties() throws Exception {
        String id = "replayed-" + user;
        String body = validBody(id);
        double countedBefore = replayedCounter();
        publishDeadLetter(body, id, "transient", "Connection refused", Instant.now());

        var one = http.post(OPS + "/messages/" + id + "/replay", "");

        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("replayed").asInt()).isEqualTo(1);
        assertThat(texts(one.json().get("ids"))).containsExactly(id);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(id)).isEqualTo(1));
        assertThat(Broker.depth(DLQ)).isZero();

        // the same dead letter, twice more: replaying all of them stores nothing new
        publishDeadLetter(body, id, "transient", "Connection refused", Instant.now());
        publishDeadLetter(body, id, "transient", "Connection refused", Instant.now());
        var all = http.postJson(OPS + "/replay", Map.of("all", true));

        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("replayed").asInt()).isEqualTo(2);
        assertThat(texts(all.json().get("ids"))).containsExactly(id, id);
        assertThat(all.json().get("remaining").asLong()).isZero();
        assertThat(all.json().get("more").asBoolean()).isFalse();
        // chat_history has one consumer: once a marker published after the replays is stored, they were consumed
        String marker = "marker-" + user;
        Broker.publish(QUEUE, validBody(marker), Broker.json(marker));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(marker)).isEqualTo(1));
        assertThat(rowsWithId(id)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT user_input FROM chat_history WHERE id = ?", String.class, id))
                .isEqualTo("replay me");
        assertThat(Broker.depth(DLQ)).isZero();
        assertThat(replayedCounter()).isEqualTo(countedBefore + 3);
    }

    @Test
    void aReplayGoesOnlyToItsOriginalQueueWithItsBodyIdAndHeadersAndAFreshRetryLadder() throws Exception {
        String fanout = "replay-test.fanout." + user;
        String sibling = "replay-test.sibling." + user;
        String id = "fresh-" + user;
        byte[] body = validBody(id).getBytes(StandardCharsets.UTF_8);
        Instant firstFailure = Instant.parse("2026-01-02T03:04:05Z");
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.purge(QUEUE);
            Broker.declareFanout(fanout, QUEUE, sibling);
            Map<String, Object> headers = deadLetterHeaders("transient", "Connection refused", Instant.now());
            headers.put(DeadLetters.H_ORIGINAL_EXCHANGE, fanout);
            headers.put(DeadLetters.H_ORIGINAL_ROUTING_KEY, "");
            headers.put(DeadLetters.H_FIRST_FAILURE, firstFailure.toString());
            headers.put("x-app-trace", "trace-42");
            Broker.publish("", DLQ, body, deadLetterProperties(id, headers));

            var replay = http.post(OPS + "/messages/" + id + "/replay", null);

            assertThat(replay.status()).isEqualTo(200);
            assertThat(Broker.depth(sibling)).isZero();
            assertThat(Broker.depth(DLQ)).isZero();
            Broker.Received back = Broker.get(QUEUE);
            assertThat(back).isNotNull();
            assertThat(back.body()).isEqualTo(body);
            assertThat(back.properties().getMessageId()).isEqualTo(id);
            assertThat(back.properties().getContentType()).isEqualTo("application/json");
            assertThat(back.properties().getDeliveryMode()).isEqualTo(2);
            assertThat(back.header("x-app-trace")).isEqualTo("trace-42");
            assertThat(back.header(DeadLetters.H_ATTEMPTS)).isEqualTo("0");
            assertThat(back.header(DeadLetters.H_REPLAY_COUNT)).isEqualTo("1");
            assertThat(Instant.parse(back.header(DeadLetters.H_REPLAYED_AT))).isAfter(Instant.now().minusSeconds(30));
            assertThat(back.header(DeadLetters.H_FIRST_FAILURE)).isEqualTo(firstFailure.toString());
            assertThat(back.header(DeadLetters.H_REASON)).isNull();
            assertThat(Broker.get(QUEUE)).isNull();
        } finally {
            Broker.delete(fanout, sibling);
            camel.getRouteController().startRoute("chat-history.consume");
        }
    }

    @Test
    void aReplayedPoisonMessageComesBackWithItsReplayCountAndAFreshLadder() throws Exception {
        String id = "poison-" + user;
        Broker.publish(QUEUE, json.writeValueAsString(Map.of("user_id", user)), Broker.json(id));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(1));
        String firstFailure = http.get(OPS).json().at("/dead_letters/0/first_failure").asText();

        assertThat(http.post(OPS + "/messages/" + id + "/replay", "").status()).isEqualTo(200);

        // bodies are immutable: it fails the same way and is parked again, now remembering the replay
        await().atMost(WITHIN).untilAsserted(() -> {
            JsonNode letters = http.get(OPS).json().get("dead_letters");
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).get("message_id").asText()).isEqualTo(id);
            assertThat(letters.get(0).get("replay_count").asInt()).isEqualTo(1);
            assertThat(letters.get(0).get("attempts").asInt()).isEqualTo(1);
            assertThat(letters.get(0).get("replayed_at").isTextual()).isTrue();
            assertThat(letters.get(0).get("first_failure").asText()).isEqualTo(firstFailure);
        });
        assertThat(rowsWithId(id)).isZero();
    }

    @Test
    void aFilteredReplayLeavesEveryOtherDeadLetterInTheDlqInOrder() throws Exception {
        Instant now = Instant.now();
        String a = "a-" + user;
        String b = "b-" + user;
        String c = "c-" + user;
        String d = "d-" + user;
        String e = "e-" + user;
        publishDeadLetter(validBody(a), a, "transient", "Connection refused by db", now.minusSeconds(60));
        publishDeadLetter(validBody(b), b, "poison", "$: required property 'user_input' not found", now.minusSeconds(60));
        publishDeadLetter(validBody(c), c, "transient", "Timeout", now.minusSeconds(60));
        publishDeadLetter(validBody(d), d, "transient", "connection refused", Instant.parse("2020-01-01T00:00:00Z"));
        Map<String, Object> elsewhere = deadLetterHeaders("transient", "connection refused", now.minusSeconds(60));
        elsewhere.put(DeadLetters.H_ORIGINAL_QUEUE, "chat_history.elsewhere");
        Broker.publish("", DLQ, validBody(e).getBytes(StandardCharsets.UTF_8), deadLetterProperties(e, elsewhere));

        var replay = http.postJson(OPS + "/replay", Map.of(
                "original_queue", QUEUE,
                "failure", "transient",
                "reason", "REFUSED",
                "failed_after", now.minusSeconds(3600).toString(),
                "failed_before", now.plusSeconds(3600).toString()));

        assertThat(replay.status()).isEqualTo(200);
        assertThat(texts(replay.json().get("ids"))).containsExactly(a);
        assertThat(replay.json().get("examined").asInt()).isEqualTo(5);
        assertThat(replay.json().get("remaining").asLong()).isEqualTo(4);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(a)).isEqualTo(1));
        assertThat(texts(http.get(OPS).json().get("dead_letters").findValues("message_id")))
                .containsExactly(b, c, d, e);
        assertThat(rowsWithId(d)).isZero();
    }

    @Test
    void deleteRemovesOneOrASelectionAndNothingElse() throws Exception {
        String x = "x-" + user;
        String y = "y-" + user;
        String z = "z-" + user;
        publishDeadLetter(validBody(x), x, "poison", "bad", Instant.now());
        publishDeadLetter(validBody(y), y, "poison", "bad", Instant.now());
        publishDeadLetter(validBody(z), z, "transient", "db down", Instant.now());

        var one = http.delete(OPS + "/messages/" + y);

        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("deleted").asInt()).isEqualTo(1);
        assertThat(texts(http.get(OPS).json().get("dead_letters").findValues("message_id"))).containsExactly(x, z);

        var poison = http.postJson(OPS + "/delete", Map.of("failure", "poison"));

        assertThat(poison.status()).isEqualTo(200);
        assertThat(texts(poison.json().get("ids"))).containsExactly(x);
        assertThat(Broker.drain(DLQ)).extracting(m -> m.properties().getMessageId()).containsExactly(z);
        assertThat(http.delete(OPS + "/messages/" + y).status()).isEqualTo(404);
        assertThat(rowsWithId(x) + rowsWithId(y)).isZero();
    }

    @Test
    void oneCallExaminesAtMostTheBoundAndSaysThatMoreRemain() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add("bound-" + i + "-" + user);
            publishDeadLetter(validBody(ids.get(i)), ids.get(i), "poison", "bad", Instant.now());
        }

        var first = http.postJson(OPS + "/delete", Map.of("all", true, "max_examined", 3));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("examined").asInt()).isEqualTo(3);
        assertThat(texts(first.json().get("ids"))).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(first.json().get("more").asBoolean()).isTrue();
        assertThat(first.json().get("remaining").asLong()).isEqualTo(1);

        var rest = http.postJson(OPS + "/delete", Map.of("all", true));

        assertThat(texts(rest.json().get("ids"))).containsExactly(ids.get(3));
        assertThat(rest.json().get("more").asBoolean()).isFalse();
        assertThat(Broker.depth(DLQ)).isZero();
    }

    @Test
    void aQueueThatIsNotACaravanDeadLetterQueueIsNotFound() throws Exception {
        var workQueue = http.get("/ops/dead-letters/" + QUEUE);
        var unknown = http.postJson("/ops/dead-letters/nope.dlq/replay", Map.of("all", true));
        var unknownId = http.post(OPS + "/messages/no-such-id-" + user + "/replay", "");

        assertThat(workQueue.status()).isEqualTo(404);
        assertThat(workQueue.contentType()).isEqualTo("application/problem+json");
        assertThat(workQueue.json().get("detail").asText()).contains(DLQ);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknownId.status()).isEqualTo(404);
        assertThat(unknownId.json().get("detail").asText()).contains("no-such-id-" + user);
    }

    @Test
    void aBadSelectionIsRefusedNamingTheFieldsAndNothingMoves() throws Exception {
        publishDeadLetter(validBody("stays-" + user), "stays-" + user, "poison", "bad", Instant.now());

        var empty = http.postJson(OPS + "/replay", Map.of());
        var wrong = http.postJson(OPS + "/delete", Map.of("failure", "sometimes", "failed_after", "yesterday", "colour", "red"));
        var notJson = http.post(OPS + "/replay", "all");
        var badLimit = http.get(OPS + "?limit=0");

        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.contentType()).isEqualTo("application/problem+json");
        assertThat(fields(empty.json())).containsExactly("all");
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(fields(wrong.json())).containsExactlyInAnyOrder("failure", "failed_after", "colour");
        assertThat(fields(notJson.json())).containsExactly("body");
        assertThat(fields(badLimit.json())).containsExactly("limit");
        assertThat(Broker.depth(DLQ)).isEqualTo(1);
    }

    @Test
    void theApiIsInTheOpenApiDocumentAndEachStepIsANamedRoute() {
        var doc = http.get("/api-doc").json();
        var routes = http.get("/actuator/flows").json();

        assertThat(doc.at("/paths").has("/ops/dead-letters/{queue}")).isTrue();
        assertThat(doc.at("/paths").has("/ops/dead-letters/{queue}/replay")).isTrue();
        assertThat(doc.at("/paths").has("/ops/dead-letters/{queue}/messages/{message_id}")).isTrue();
        assertThat(routes.findValuesAsText("id")).contains("ops.dead-letters-queues", "ops.dead-letters-list",
                "ops.dead-letters-replay", "ops.dead-letters-delete", "ops.dead-letters-replay-one",
                "ops.dead-letters-delete-one");
    }

    /** A valid chat-history message (seed 000) with this id. */
    private String validBody(String id) throws Exception {
        return json.writeValueAsString(Map.of("id", id, "user_id", user, "user_input", "replay me", "bot_response", "ok"));
    }

    /** Publishes a dead letter straight into the DLQ, headed as {@link DeadLetters} heads one after three attempts. */
    private void publishDeadLetter(String body, String id, String failure, String reason, Instant lastFailure) throws Exception {
        Broker.publish("", DLQ, body.getBytes(StandardCharsets.UTF_8),
                deadLetterProperties(id, deadLetterHeaders(failure, reason, lastFailure)));
    }

    private static Map<String, Object> deadLetterHeaders(String failure, String reason, Instant lastFailure) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(DeadLetters.H_FAILURE, failure);
        headers.put(DeadLetters.H_REASON, reason);
        headers.put(DeadLetters.H_EXCEPTION, "java.net.ConnectException");
        headers.put(DeadLetters.H_ORIGINAL_QUEUE, QUEUE);
        headers.put(DeadLetters.H_ORIGINAL_EXCHANGE, "");
        headers.put(DeadLetters.H_ORIGINAL_ROUTING_KEY, QUEUE);
        headers.put(DeadLetters.H_ATTEMPTS, 3);
        headers.put(DeadLetters.H_FIRST_FAILURE, lastFailure.minusSeconds(40).toString());
        headers.put(DeadLetters.H_LAST_FAILURE, lastFailure.toString());
        headers.put(DeadLetters.H_ROUTE, "chat-history.store");
        return headers;
    }

    private static AMQP.BasicProperties deadLetterProperties(String id, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId(id)
                .headers(headers)
                .build();
    }

    /** caravan.messages.replayed for the DLQ as Prometheus shows it; 0 before the first replay. */
    private double replayedCounter() {
        Matcher m = Pattern.compile("caravan_messages_replayed_total\\{[^}]*queue=\"chat_history\\.dlq\"[^}]*} (\\S+)")
                .matcher(http.get("/actuator/prometheus").text());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private int rowsWithId(String id) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    private static List<String> texts(List<JsonNode> nodes) {
        return nodes.stream().map(JsonNode::asText).toList();
    }

    private static List<String> fields(JsonNode problem) {
        return problem.get("errors").findValuesAsText("field").stream().distinct().toList();
    }
}
