package io.caravan.flows.chathistory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Tokens;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;

/** The chat-history flow (seed 000) end to end: HTTP and AMQP in, rows in PostgreSQL, dead letters in the DLQ. */
class ChatHistoryFlowTest extends CaravanTest {

    private static final String QUEUE = "chat_history";
    private static final String DLQ = "chat_history.dlq";
    private static final Duration STORED_WITHIN = Duration.ofSeconds(5);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    CamelContext camel;

    RestClient http;
    String user;

    @BeforeEach
    void setUp() throws Exception {
        http = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultHeader("Authorization", "Bearer " + Tokens.operator())
                .defaultStatusHandler(status -> true, (request, response) -> { })
                .build();
        user = "user-" + UUID.randomUUID();
        Broker.purge(DLQ);
    }

    @Test
    void postChatAnswersAtOnceAndStoresTheInteraction() throws Exception {
        var response = postChat(Map.of("user_id", user, "message", "Hello there"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().get("reply").asText()).isEqualTo("Hello! How can I help you today?");
        String id = response.body().get("interaction_id").asText();
        await().atMost(STORED_WITHIN).untilAsserted(() -> assertThat(rowsWithId(id)).isEqualTo(1));
        Map<String, Object> row = jdbc.queryForMap("SELECT user_id, user_input, bot_response, message FROM chat_history WHERE id = ?", id);
        assertThat(row).containsEntry("user_id", user)
                .containsEntry("user_input", "Hello there")
                .containsEntry("bot_response", "Hello! How can I help you today?")
                .containsEntry("message", "Hello there");
    }

    @Test
    void historyIsNewestFirstAndLimited() throws Exception {
        for (String message : List.of("first", "second", "third")) {
            assertThat(postChat(Map.of("user_id", user, "message", message)).status()).isEqualTo(200);
        }
        await().atMost(STORED_WITHIN).untilAsserted(() ->
                assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE user_id = ?", Long.class, user)).isEqualTo(3));

        var history = get("/chat/history/" + user + "?limit=2");

        assertThat(history.status()).isEqualTo(200);
        assertThat(history.body()).hasSize(2);
        assertThat(history.body().get(0).get("user_input").asText()).isEqualTo("third");
        assertThat(history.body().get(1).get("user_input").asText()).isEqualTo("second");
        assertThat(history.body().get(0).get("timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
    }

    @Test
    void badLimitIsRefusedNamingTheParameter() throws Exception {
        var response = get("/chat/history/" + user + "?limit=0");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.body().get("errors").get(0).get("field").asText()).isEqualTo("limit");
    }

    @Test
    void invalidRequestIsRefusedWithProblemJsonAndNothingIsPublished() throws Exception {
        camel.getRouteController().stopRoute("chat-history.consume");
        try {
            Broker.purge(QUEUE);

            var missing = postChat(Map.of("user_id", user));
            var wrongType = postChat(Map.of("user_id", true, "message", "hi"));
            var notJson = postRaw("this is not json");

            assertThat(missing.status()).isEqualTo(400);
            assertThat(missing.contentType()).isEqualTo("application/problem+json");
            assertThat(missing.body().get("status").asInt()).isEqualTo(400);
            assertThat(fields(missing.body())).containsExactly("message");
            assertThat(missing.body().get("detail").asText()).contains("message");
            assertThat(fields(wrongType.body())).contains("user_id").doesNotContain("message");
            assertThat(notJson.status()).isEqualTo(400);
            assertThat(fields(notJson.body())).containsExactly("body");
            assertThat(Broker.depth(QUEUE)).isZero();

            // the same probe sees a publish when there is one
            assertThat(postChat(Map.of("user_id", user, "message", "valid")).status()).isEqualTo(200);
            assertThat(Broker.depth(QUEUE)).isEqualTo(1);
        } finally {
            camel.getRouteController().startRoute("chat-history.consume");
        }
        await().atMost(STORED_WITHIN).untilAsserted(() ->
                assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE user_id = ?", Long.class, user)).isEqualTo(1));
    }

    @Test
    void aSeedClientsMessageIsStored() throws Exception {
        String seedMessage = """
                {"user_id": 42, "user_input": "What is RabbitMQ?", "bot_response": "A message broker.", "timestamp": "2026-11-22T10:15:30.123456"}
                """.replace("42", "\"" + user + "\"");

        Broker.publish(QUEUE, seedMessage, Broker.json(null));

        await().atMost(STORED_WITHIN).untilAsserted(() ->
                assertThat(jdbc.queryForList("SELECT user_input, \"timestamp\"::text AS ts FROM chat_history WHERE user_id = ?", user))
                        .singleElement()
                        .satisfies(row -> {
                            assertThat(row).containsEntry("user_input", "What is RabbitMQ?");
                            assertThat(row.get("ts").toString()).startsWith("2026-11-22 10:15:30.123456");
                        }));
    }

    @Test
    void aNumericUserIdFromASeedClientIsStoredAsText() throws Exception {
        long numericUser = Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
        Broker.publish(QUEUE, """
                {"user_id": %d, "user_input": "hi", "bot_response": "hello"}""".formatted(numericUser), Broker.json(null));

        await().atMost(STORED_WITHIN).untilAsserted(() ->
                assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE user_id = ?", Long.class,
                        String.valueOf(numericUser))).isEqualTo(1));
    }

    @Test
    void theSameMessageDeliveredTwiceIsStoredOnce() throws Exception {
        String withId = json.writeValueAsString(Map.of("id", "dup-" + UUID.randomUUID(), "user_id", user,
                "user_input", "twice", "bot_response", "once"));
        String withoutId = json.writeValueAsString(Map.of("user_id", user, "user_input", "seed twice", "bot_response", "once"));
        String amqpId = "amqp-" + UUID.randomUUID();
        String withAmqpIdOnly = json.writeValueAsString(Map.of("user_id", user, "user_input", "amqp id twice", "bot_response", "once"));

        for (int i = 0; i < 2; i++) {
            Broker.publish(QUEUE, withId, Broker.json(null));
            Broker.publish(QUEUE, withoutId, Broker.json(null));
            Broker.publish(QUEUE, withAmqpIdOnly.replace("}", ", \"n\": " + i + "}"), Broker.json(amqpId));
        }
        String marker = json.writeValueAsString(Map.of("id", "marker-" + user, "user_id", user + "-marker",
                "user_input", "after", "bot_response", "after"));
        Broker.publish(QUEUE, marker, Broker.json(null));

        // the marker was published last; once it is stored, the duplicates before it were consumed too
        await().atMost(STORED_WITHIN).untilAsserted(() -> assertThat(rowsWithId("marker-" + user)).isEqualTo(1));
        assertThat(jdbc.queryForList("SELECT user_input FROM chat_history WHERE user_id = ? ORDER BY user_input", String.class, user))
                .containsExactly("amqp id twice", "seed twice", "twice");
        assertThat(rowsWithId(amqpId)).isEqualTo(1);
        assertThat(rowsWithId(UUID.nameUUIDFromBytes(withoutId.getBytes(StandardCharsets.UTF_8)).toString())).isEqualTo(1);
    }

    @Test
    void aPoisonMessageIsDeadLetteredWithItsReasonAndTheQueueKeepsFlowing() throws Exception {
        byte[] notJson = "{not json at all".getBytes(StandardCharsets.UTF_8);
        String schemaViolation = json.writeValueAsString(Map.of("user_id", user, "bot_response", "no user_input"));

        Broker.publish("", QUEUE, notJson, Broker.json("poison-" + user));
        Broker.publish(QUEUE, schemaViolation, Broker.json("invalid-" + user));
        Broker.publish(QUEUE, json.writeValueAsString(Map.of("id", "after-" + user, "user_id", user,
                "user_input", "after the poison", "bot_response", "ok")), Broker.json(null));

        await().atMost(STORED_WITHIN).untilAsserted(() -> assertThat(rowsWithId("after-" + user)).isEqualTo(1));
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(2));
        assertThat(Broker.depth(QUEUE)).isZero();

        Broker.Received first = Broker.get(DLQ);
        Broker.Received second = Broker.get(DLQ);
        Broker.Received poison = "poison-".concat(user).equals(first.properties().getMessageId()) ? first : second;
        Broker.Received invalid = poison == first ? second : first;

        assertThat(poison.body()).isEqualTo(notJson);
        assertThat(poison.properties().getMessageId()).isEqualTo("poison-" + user);
        assertThat(poison.properties().getDeliveryMode()).isEqualTo(2);
        assertThat(poison.header(DeadLetters.H_FAILURE)).isEqualTo("poison");
        assertThat(poison.header(DeadLetters.H_EXCEPTION)).contains("JsonValidationException");
        assertThat(poison.header(DeadLetters.H_ORIGINAL_QUEUE)).isEqualTo(QUEUE);
        assertThat(poison.header(DeadLetters.H_ORIGINAL_ROUTING_KEY)).isEqualTo(QUEUE);
        assertThat(poison.header(DeadLetters.H_ATTEMPTS)).isEqualTo("1");
        assertThat(poison.header(DeadLetters.H_LAST_FAILURE)).isNotBlank();
        assertThat(invalid.properties().getMessageId()).isEqualTo("invalid-" + user);
        assertThat(invalid.header(DeadLetters.H_REASON)).contains("user_input");
        assertThat(new String(invalid.body(), StandardCharsets.UTF_8)).isEqualTo(schemaViolation);
        assertThat(rowsWithId("invalid-" + user)).isZero();
    }

    private int rowsWithId(String id) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id);
    }

    private static List<String> fields(JsonNode problem) {
        return problem.get("errors").findValuesAsText("field").stream().distinct().toList();
    }

    private Response postChat(Map<String, Object> request) throws Exception {
        return postRaw(json.writeValueAsString(request));
    }

    private Response postRaw(String body) throws Exception {
        return http.post().uri("/chat").contentType(MediaType.APPLICATION_JSON).body(body)
                .exchange((req, res) -> new Response(res.getStatusCode().value(),
                        res.getHeaders().getContentType() == null ? null : res.getHeaders().getContentType().toString(),
                        json.readTree(res.getBody())));
    }

    private Response get(String path) {
        return http.get().uri(path)
                .exchange((req, res) -> new Response(res.getStatusCode().value(),
                        res.getHeaders().getContentType() == null ? null : res.getHeaders().getContentType().toString(),
                        json.readTree(res.getBody())));
    }

    record Response(int status, String contentType, JsonNode body) {
    }
}
