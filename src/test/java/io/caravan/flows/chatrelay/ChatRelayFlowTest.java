package io.caravan.flows.chatrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.caravan.platform.redis.RateLimiter;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/** The chat-relay flow (seed 001) end to end on the real broker, Redis and PostgreSQL. */
class ChatRelayFlowTest extends CaravanTest {

    @LocalServerPort
    int port;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;
    @Autowired
    CamelContext camel;

    String user;
    Http http;

    @BeforeEach
    void setUp() {
        user = "relay-" + UUID.randomUUID();
        http = Http.as(port, user, "user");
    }

    @Test
    void sendThenPollGivesTheCompletedSessionAndTheHistoryRow() {
        var sent = http.postJson("/chat/send", Map.of("message", "Hello, what are healthy eating habits? " + user));

        assertThat(sent.status()).as(sent.text()).isEqualTo(202);
        assertThat(sent.json().get("status").asText()).isEqualTo("pending");
        String session = sent.json().get("session_id").asText();
        assertThat(redis.getExpire(ChatSessionStore.key(session))).isPositive();

        JsonNode completed = awaitCompleted(session);
        assertThat(completed.get("reply").asText()).isEqualTo("Hello! How can I help you today?");
        assertThat(completed.get("user_id").asText()).isEqualTo(user);
        assertThat(completed.get("cached").asBoolean()).isFalse();
        assertThat(completed.get("total_ms").asLong()).isNotNegative();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT bot_response FROM chat_history WHERE id = ? AND user_id = ?", String.class, session, user))
                .containsExactly("Hello! How can I help you today?"));
        assertThat(redis.opsForValue().get(RateLimiter.key(user, "chat-send"))).isEqualTo("1");
        assertThat(http.get("/chat/history/" + user).json().findValuesAsText("id")).contains(session);
    }

    @Test
    void theSameQuestionTwiceIsAnsweredFromTheCacheTheSecondTime() {
        String question = "Is the cache working for " + user + "?";
        double hits = cacheHits();

        String first = http.postJson("/chat/send", Map.of("message", question)).json().get("session_id").asText();
        JsonNode firstDone = awaitCompleted(first);
        String second = Http.as(port, user + "-2", "user").postJson("/chat/send", Map.of("message", "  " + question.toUpperCase() + " "))
                .json().get("session_id").asText();
        JsonNode secondDone = awaitCompleted(second, user + "-2");

        assertThat(firstDone.get("cached").asBoolean()).isFalse();
        assertThat(secondDone.get("cached").asBoolean()).isTrue();
        assertThat(secondDone.get("reply").asText()).isEqualTo(firstDone.get("reply").asText());
        assertThat(cacheHits() - hits).isEqualTo(1);
    }

    @Test
    void overTheRateLimitIs429WithRetryAfterAndNothingIsPublished() {
        redis.opsForValue().set(RateLimiter.key(user, "chat-send"), "20", Duration.ofSeconds(30));
        double accepted = accepted();

        var refused = http.postJson("/chat/send", Map.of("message", "one too many"));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 30);
        assertThat(accepted()).isEqualTo(accepted);
        assertThat(redis.keys("chat:session:*")).noneMatch(k -> user.equals(String.valueOf(sessionOwner(k))));
    }

    @Test
    void noTokenWrongRoleOrSomeoneElsesSessionIs401Or403Or404() {
        String session = http.postJson("/chat/send", Map.of("message", "mine")).json().get("session_id").asText();

        assertThat(Http.anonymous(port).get("/chat/session/" + session).status()).isEqualTo(401);
        assertThat(new Http(port, Tokens.of(user, "guest")).get("/chat/session/" + session).status()).isEqualTo(403);
        var someoneElse = Http.as(port, "mallory", "user").get("/chat/session/" + session);
        assertThat(someoneElse.status()).isEqualTo(404);
        assertThat(someoneElse.contentType()).isEqualTo("application/problem+json");
        assertThat(Http.as(port, "root", "admin").get("/chat/session/" + session).status()).isEqualTo(200);
        assertThat(http.get("/chat/session/no-such-session").status()).isEqualTo(404);
    }

    @Test
    void serverSentEventsDeliverTheCompletion() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        camel.getRouteController().stopRoute("chat-relay.requests");
        try {
            String session = http.postJson("/chat/send", Map.of("message", "thanks for the events")).json().get("session_id").asText();
            HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/chat/session/" + session + "/events"))
                    .header("Authorization", "Bearer " + Tokens.of(user, "user"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            CompletableFuture.runAsync(() -> stream.body().forEach(lines::add));

            await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"status\":\"pending\"")));
        } finally {
            camel.getRouteController().startRoute("chat-relay.requests");
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.contains("\"status\":\"completed\"")));
        assertThat(lines).contains("event:session");
        assertThat(String.join("\n", lines)).contains("You're welcome!");
    }

    private JsonNode awaitCompleted(String session) {
        return awaitCompleted(session, user);
    }

    private JsonNode awaitCompleted(String session, String owner) {
        Http asOwner = Http.as(port, owner, "user");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(asOwner.get("/chat/session/" + session).json().get("status").asText()).isEqualTo("completed"));
        return asOwner.get("/chat/session/" + session).json();
    }

    private Object sessionOwner(String key) {
        String value = redis.opsForValue().get(key);
        return value == null ? null : value.replaceAll(".*\"user_id\":\"([^\"]*)\".*", "$1");
    }

    private double cacheHits() {
        var counter = meters.find("caravan.responses.cache").tag("result", "hit").counter();
        return counter == null ? 0 : counter.count();
    }

    private double accepted() {
        var counter = meters.find("caravan.messages.accepted").tag("queue", "chat_requests").counters();
        return counter.stream().mapToDouble(c -> c.count()).sum();
    }
}
