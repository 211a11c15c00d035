package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.BrokerProperties;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The campus-assistant flow (seed 003) end to end on the real RabbitMQ, Redis and PostgreSQL: chat
 * messages, class preferences and notifications from HTTP (and from a seed client on AMQP) to the
 * Redis state and the three log tables.
 */
class CampusAssistantFlowTest extends CaravanTest {

    static final Duration LOGGED_WITHIN = Duration.ofSeconds(10);
    static final String CHAT_EXCHANGE = "chat_exchange";
    static final String SYSTEM_EXCHANGE = "system_exchange";

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    ObjectMapper json;
    @Autowired
    BrokerProperties broker;

    Http http;
    int student;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        // a student id of its own, so keys in the shared Redis and rows never collide with another run's
        student = ThreadLocalRandom.current().nextInt(100_000_000, Integer.MAX_VALUE);
        Broker.purge("notifications.dlq");
    }

    // 1. Chat messages

    @Test
    void aChatMessageIsCachedPublishedAndLogged() {
        var response = http.postJson("/assistant/messages", chat("Tôi muốn đăng ký lớp", "Bạn muốn học buổi nào?",
                "class_registration_suggestion", Map.of("step", 1)));

        assertThat(response.status()).as(response.text()).isEqualTo(202);
        assertThat(response.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = response.json().get("id").asText();
        assertThat(response.json().get("routing_key").asText()).isEqualTo("chat.message.class_registration_suggestion");
        assertThat(response.json().get("cached").asBoolean()).isTrue();

        long ttl = redis.getExpire("conversation:" + student, TimeUnit.SECONDS);
        assertThat(ttl).as("conversation TTL (1 h)").isBetween(3500L, 3600L);

        await().atMost(LOGGED_WITHIN).untilAsserted(() -> assertThat(rows("chat_message_logs", id)).isEqualTo(1));
        Map<String, Object> row = jdbc.queryForMap("SELECT student_id, message, response, intent, metadata::text AS metadata, "
                + "\"timestamp\" IS NOT NULL AS has_time, created_at IS NOT NULL AS has_created FROM chat_message_logs WHERE message_id = ?", id);
        assertThat(row).containsEntry("student_id", student)
                .containsEntry("message", "Tôi muốn đăng ký lớp")
                .containsEntry("response", "Bạn muốn học buổi nào?")
                .containsEntry("intent", "class_registration_suggestion")
                .containsEntry("metadata", "{\"step\": 1}")
                .containsEntry("has_time", true)
                .containsEntry("has_created", true);
    }

    @Test
    void theConversationKeepsTheRecentTurnsNewestLast() {
        for (int turn = 1; turn <= 12; turn++) {
            assertThat(http.postJson("/assistant/messages", chat("question " + turn, "answer " + turn, "smalltalk", null))
                    .status()).isEqualTo(202);
        }

        var conversation = http.get("/assistant/conversations/" + student);

        assertThat(conversation.status()).isEqualTo(200);
        JsonNode state = conversation.json();
        assertThat(state.get("student_id").asInt()).isEqualTo(student);
        assertThat(state.get("last_intent").asText()).isEqualTo("smalltalk");
        assertThat(state.get("turns").findValuesAsText("message")).as("the last 10 of 12 turns")
                .containsExactly("question 3", "question 4", "question 5", "question 6", "question 7", "question 8",
                        "question 9", "question 10", "question 11", "question 12");
        assertThat(state.get("turns").get(9).get("response").asText()).isEqualTo("answer 12");
    }

    @Test
    void aConversationNeverCachedIsNotFound() {
        var response = http.get("/assistant/conversations/" + student);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("detail").asText()).contains(String.valueOf(student));
    }

    @Test
    void invalidRequestsAreRefusedNamingTheFieldAndNothingIsCached() {
        var dottedIntent = http.postJson("/assistant/messages", chat("hi", "hello", "chat.other", null));
        var missingTitle = http.postJson("/notifications", Map.of("student_id", student, "notification_type", "reminder",
                "content", "no title"));
        var badStudent = http.get("/assistant/conversations/not-a-number");
        var noStep = http.putJson("/assistant/preferences/" + student, Map.of("key", "time_period", "value", "morning"));

        assertThat(dottedIntent.status()).isEqualTo(400);
        assertThat(fields(dottedIntent.json())).containsExactly("intent");
        assertThat(missingTitle.status()).isEqualTo(400);
        assertThat(fields(missingTitle.json())).containsExactly("title");
        assertThat(badStudent.status()).isEqualTo(400);
        assertThat(fields(badStudent.json())).containsExactly("student_id");
        assertThat(noStep.status()).isEqualTo(400);
        assertThat(fields(noStep.json())).containsExactly("step");
        assertThat(redis.hasKey("conversation:" + student)).isFalse();
        assertThat(redis.hasKey("class_preferences:" + student)).isFalse();
    }

    // 2. Class preferences

    @Test
    void preferencesAreCachedStepByStepAndPublishedOnlyWhenComplete() {
        var first = http.putJson("/assistant/preferences/" + student, Map.of("key", "time_period", "value", "morning", "step", "in_progress"));
        var second = http.putJson("/assistant/preferences/" + student, Map.of("key", "avoid_early_start", "value", true, "step", "in_progress"));

        assertThat(first.status()).as(first.text()).isEqualTo(200);
        assertThat(first.json().get("published").asBoolean()).isFalse();
        assertThat(second.json().get("preferences")).isEqualTo(json.valueToTree(Map.of("time_period", "morning", "avoid_early_start", true)));
        assertThat(second.json().get("cached").asBoolean()).isTrue();
        assertThat(redis.getExpire("class_preferences:" + student, TimeUnit.SECONDS)).as("preferences TTL (1 h)").isBetween(3500L, 3600L);
        assertThat(http.get("/assistant/preferences/" + student).json().get("preferences").size()).isEqualTo(2);

        var complete = http.putJson("/assistant/preferences/" + student, Map.of("key", "avoid_days", "value", List.of("Saturday"), "step", "complete"));

        assertThat(complete.status()).isEqualTo(200);
        assertThat(complete.json().get("published").asBoolean()).isTrue();
        assertThat(complete.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = complete.json().get("id").asText();
        await().atMost(LOGGED_WITHIN).untilAsserted(() -> assertThat(rows("class_preference_logs", id)).isEqualTo(1));
        // the in-progress steps were published before the complete one if at all, so they would be logged by now
        assertThat(jdbc.queryForList("SELECT step FROM class_preference_logs WHERE student_id = ?", String.class, student))
                .containsExactly("complete");
        String preferences = jdbc.queryForObject("SELECT preferences::text FROM class_preference_logs WHERE message_id = ?", String.class, id);
        assertThat(json.<JsonNode>valueToTree(read(preferences))).isEqualTo(json.valueToTree(Map.of(
                "time_period", "morning", "avoid_early_start", true, "avoid_days", List.of("Saturday"))));
    }

    @Test
    void preferencesCanBeReadAndCleared() {
        assertThat(http.get("/assistant/preferences/" + student).json().get("preferences").size()).as("none yet").isZero();
        http.putJson("/assistant/preferences/" + student, Map.of("key", "time_period", "value", "evening", "step", "in_progress"));
        assertThat(http.get("/assistant/preferences/" + student).json().at("/preferences/time_period").asText()).isEqualTo("evening");

        var cleared = http.delete("/assistant/preferences/" + student);

        assertThat(cleared.status()).isEqualTo(204);
        assertThat(redis.hasKey("class_preferences:" + student)).isFalse();
        assertThat(http.get("/assistant/preferences/" + student).json().get("preferences").size()).isZero();
    }

    // 3. Notifications

    @Test
    void aNotificationIsPublishedToTheSystemExchangeAndLogged() {
        var response = http.postJson("/notifications", Map.of("student_id", student, "notification_type", "class_reminder",
                "title", "Lớp học ngày mai", "content", "Your class starts at 8:00", "metadata", Map.of("class_id", 42)));

        assertThat(response.status()).as(response.text()).isEqualTo(202);
        assertThat(response.json().get("routing_key").asText()).isEqualTo("notification");
        String id = response.json().get("id").asText();
        await().atMost(LOGGED_WITHIN).untilAsserted(() -> assertThat(rows("notification_logs", id)).isEqualTo(1));
        assertThat(jdbc.queryForMap("SELECT student_id, notification_type, title, content, metadata->>'class_id' AS class_id "
                + "FROM notification_logs WHERE message_id = ?", id))
                .containsEntry("student_id", student)
                .containsEntry("notification_type", "class_reminder")
                .containsEntry("title", "Lớp học ngày mai")
                .containsEntry("content", "Your class starts at 8:00")
                .containsEntry("class_id", "42");
    }

    // 6. Seed compatibility: a client that knows only the seed (pika) publishes its JSON to the exchanges

    @Test
    void aSeedClientsMessagesOnTheExchangesBecomeRows() throws Exception {
        String time = "2025-12-02T10:15:30.123456";
        publish(CHAT_EXCHANGE, "chat.message.class_registration_suggestion", """
                {"type": "chat_message", "student_id": %d, "message": "Tôi muốn đăng ký lớp", "response": "Bạn muốn học buổi nào?",
                 "intent": "class_registration_suggestion", "metadata": {"step": 1}, "timestamp": "%s"}""".formatted(student, time));
        publish(CHAT_EXCHANGE, "chat.preferences.complete", """
                {"student_id": %d, "preferences": {"time_period": "morning", "avoid_days": ["Saturday"]},
                 "step": "complete", "timestamp": "%s"}""".formatted(student, time));
        publish(SYSTEM_EXCHANGE, "notification", """
                {"student_id": "%d", "notification_type": "registration", "title": "Registered", "content": "You are in",
                 "metadata": null, "timestamp": "%s"}""".formatted(student, time));

        await().atMost(LOGGED_WITHIN).untilAsserted(() -> {
            assertThat(timesOf("chat_message_logs")).containsExactly("2025-12-02 10:15:30.123456+00");
            assertThat(timesOf("class_preference_logs")).containsExactly("2025-12-02 10:15:30.123456+00");
            assertThat(timesOf("notification_logs")).containsExactly("2025-12-02 10:15:30.123456+00");
        });
        assertThat(jdbc.queryForObject("SELECT metadata IS NULL FROM notification_logs WHERE student_id = ?", Boolean.class, student)).isTrue();
    }

    @Test
    void theSameMessageDeliveredTwiceIsLoggedOnce() throws Exception {
        String body = """
                {"student_id": %d, "message": "twice", "response": "once", "intent": "dup"}""".formatted(student);
        String amqpId = "dup-" + UUID.randomUUID();

        for (int i = 0; i < 2; i++) {
            Broker.publish(CHAT_EXCHANGE, "chat.message.dup", body.getBytes(StandardCharsets.UTF_8), Broker.json(amqpId));
            Broker.publish(CHAT_EXCHANGE, "chat.message.dup", body.replace("twice", "seed twice").getBytes(StandardCharsets.UTF_8),
                    Broker.json(null));
        }
        String marker = "marker-" + UUID.randomUUID();
        Broker.publish(CHAT_EXCHANGE, "chat.message.dup", body.replace("twice", "marker").getBytes(StandardCharsets.UTF_8),
                Broker.json(marker));

        // published last: once it is logged, the duplicates before it were consumed too
        await().atMost(LOGGED_WITHIN).untilAsserted(() -> assertThat(rows("chat_message_logs", marker)).isEqualTo(1));
        assertThat(jdbc.queryForList("SELECT message FROM chat_message_logs WHERE student_id = ? ORDER BY message", String.class, student))
                .containsExactly("marker", "seed twice", "twice");
    }

    // 4. Failures: poison to the DLQ at once; transient ones through a three-step ladder

    @Test
    void aPoisonNotificationIsDeadLetteredWithItsReason() throws Exception {
        String id = "poison-" + UUID.randomUUID();
        Broker.publish(SYSTEM_EXCHANGE, "notification", """
                {"student_id": %d, "notification_type": "x", "content": "no title"}""".formatted(student)
                .getBytes(StandardCharsets.UTF_8), Broker.json(id));

        await().atMost(LOGGED_WITHIN).untilAsserted(() -> assertThat(Broker.depth("notifications.dlq")).isEqualTo(1));
        Broker.Received dead = Broker.get("notifications.dlq");
        assertThat(dead.properties().getMessageId()).isEqualTo(id);
        assertThat(dead.header(DeadLetters.H_FAILURE)).isEqualTo("poison");
        assertThat(dead.header(DeadLetters.H_REASON)).contains("title");
        assertThat(dead.header(DeadLetters.H_ORIGINAL_EXCHANGE)).isEqualTo(SYSTEM_EXCHANGE);
        assertThat(dead.header(DeadLetters.H_ORIGINAL_ROUTING_KEY)).isEqualTo("notification");
        assertThat(rows("notification_logs", id)).isZero();
    }

    @Test
    void theQueuesHaveTheSeedsLimitsAndAThreeStepRetryLadder() {
        Map<String, List<Object>> expected = new LinkedHashMap<>();
        expected.put("chat_messages", List.of(86_400_000, 10_000));
        expected.put("class_preferences", List.of(3_600_000, 5_000));
        expected.put("notifications", List.of(604_800_000, 50_000));

        expected.forEach((queue, limits) -> {
            assertThat(Broker.arguments(queue)).as(queue)
                    .containsEntry("x-message-ttl", limits.get(0))
                    .containsEntry("x-max-length", limits.get(1))
                    .containsEntry("x-overflow", "reject-publish");
            assertThat(broker.byQueueName(queue).orElseThrow().retryDelays()).as(queue)
                    .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5));
        });
        for (String queue : expected.keySet()) {
            assertThat(Broker.arguments(queue + ".retry.3")).as("ladder step 3 of " + queue)
                    .containsEntry("x-message-ttl", 300_000)
                    .containsEntry("x-dead-letter-routing-key", queue);
            assertThat(Broker.arguments(queue + ".dlq")).as(queue + ".dlq: a plain durable queue").isEmpty();
        }
    }

    private Map<String, Object> chat(String message, String response, String intent, Map<String, Object> metadata) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("student_id", student);
        request.put("message", message);
        request.put("response", response);
        request.put("intent", intent);
        request.put("metadata", metadata);
        return request;
    }

    private static void publish(String exchange, String routingKey, String body) throws Exception {
        // as pika would: persistent JSON, no message id
        Broker.publish(exchange, routingKey, body.getBytes(StandardCharsets.UTF_8), Broker.json(null));
    }

    private int rows(String table, String messageId) {
        return jdbc.queryForObject("SELECT count(*) FROM " + table + " WHERE message_id = ?", Integer.class, messageId);
    }

    private List<String> timesOf(String table) {
        return jdbc.queryForList("SELECT (\"timestamp\" AT TIME ZONE 'UTC')::text || '+00' FROM " + table + " WHERE student_id = ?",
                String.class, student);
    }

    private Object read(String text) {
        try {
            return json.readValue(text, Object.class);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private static List<String> fields(JsonNode problem) {
        return problem.get("errors").findValuesAsText("field").stream().distinct().toList();
    }
}
