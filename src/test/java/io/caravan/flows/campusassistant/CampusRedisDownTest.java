package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Seed 003's "Redis connection failure: system continues but no caching": this Caravan's Redis is a
 * closed port (the machine's Redis keeps running for everyone else). Messages are still published and
 * logged, the answers say the state was not cached, reads of the state are 503, health shows Redis DOWN.
 */
@DirtiesContext
class CampusRedisDownTest extends CaravanTest {

    @DynamicPropertySource
    static void redisOnAClosedPort(DynamicPropertyRegistry registry) throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        int port = closed;
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", () -> port);
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    Http http;
    int student;

    @BeforeEach
    void setUp() {
        http = new Http(port);
        student = ThreadLocalRandom.current().nextInt(100_000_000, Integer.MAX_VALUE);
    }

    @Test
    void aChatMessageIsStillLoggedAndTheAnswerSaysItWasNotCached() {
        var response = http.postJson("/assistant/messages", Map.of("student_id", student, "message", "hello",
                "response", "hi", "intent", "greeting"));

        assertThat(response.status()).as(response.text()).isEqualTo(202);
        assertThat(response.json().get("cached").asBoolean()).isFalse();
        assertThat(response.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = response.json().get("id").asText();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT message FROM chat_message_logs WHERE message_id = ?", String.class, id)).containsExactly("hello"));
    }

    @Test
    void aCompletePreferenceStepIsStillPublishedWithTheAnswerItHas() {
        var response = http.putJson("/assistant/preferences/" + student, Map.of("key", "avoid_days", "value", List.of("Sunday"),
                "step", "complete"));

        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.json().get("cached").asBoolean()).isFalse();
        assertThat(response.json().get("published").asBoolean()).isTrue();
        String id = response.json().get("id").asText();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT preferences->'avoid_days'->>0 FROM class_preference_logs WHERE message_id = ?", String.class, id))
                .containsExactly("Sunday"));
    }

    @Test
    void readingTheStateIs503AndHealthShowsRedisDown() {
        var conversation = http.get("/assistant/conversations/" + student);
        var health = http.get("/actuator/health");

        assertThat(conversation.status()).isEqualTo(503);
        assertThat(conversation.contentType()).isEqualTo("application/problem+json");
        assertThat(conversation.header("Retry-After")).isNotBlank();
        assertThat(health.json().at("/components/redis/status").asText()).isEqualTo("DOWN");
        assertThat(health.json().at("/components/rabbit/status").asText()).isEqualTo("UP");
    }
}
