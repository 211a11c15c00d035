package io.caravan.dev.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.caravan.support.Http;
import io.caravan.support.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Caravan with only a JDK: every configured address is a closed port, so all five dependencies start
 * embedded, and the flows work end to end on them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "caravan.dev.stand-ins=true",
        "caravan.dev.data-dir=target/stand-ins-test-data",
        "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/caravan",
        "spring.rabbitmq.host=127.0.0.1", "spring.rabbitmq.port=1",
        "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=1",
        "spring.neo4j.uri=bolt://127.0.0.1:1",
        "camel.component.qdrant.host=127.0.0.1", "camel.component.qdrant.port=1",
        "camel.main.routes-reload-enabled=false",
        "caravan.security.jwt.secret=" + Tokens.SECRET,
        "caravan.security.dev-tokens=false",
        "caravan.security.console.username=console-admin",
        "caravan.security.console.password=console-password-for-tests"
})
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StandInsTest {

    @LocalServerPort
    int port;
    @Autowired
    ConfigurableEnvironment environment;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StringRedisTemplate redis;

    @Test
    void everyDependencyIsEmbeddedOnAFreePortInsteadOfTheClosedOne() {
        var standIns = environment.getPropertySources().get(StandIns.PROPERTY_SOURCE);

        assertThat(standIns).isNotNull();
        assertThat((String) standIns.getProperty("spring.datasource.url")).startsWith("jdbc:postgresql://127.0.0.1:")
                .endsWith("/caravan").doesNotContain(":1/", ":5432/");
        assertThat(standIns.getProperty("spring.rabbitmq.port")).isNotIn(1, 5672);
        assertThat(standIns.getProperty("spring.data.redis.port")).isNotIn(1, 6379);
        assertThat((String) standIns.getProperty("spring.neo4j.uri")).doesNotEndWith(":1").doesNotEndWith(":7687");
        assertThat(standIns.getProperty("camel.component.qdrant.port")).isNotIn(1, 6334);

        JsonNode health = Http.as(port, "ops", "admin").get("/actuator/health").json().get("components");
        for (String component : new String[] {"db", "rabbit", "redis", "neo4j", "qdrant"}) {
            assertThat(health.get(component).get("status").asText()).as(component + ": " + health.get(component))
                    .isEqualTo("UP");
        }
        assertThat(health.get("rabbit").get("details").get("version").asText()).isEqualTo("10.0.1");
        assertThat(health.get("qdrant").get("details").get("version").asText()).endsWith("-test");
    }

    @Test
    void postChatIsAnsweredAndStoredInTheEmbeddedPostgres() {
        String user = "standin-" + UUID.randomUUID();

        var answer = Http.as(port, user, "user").postJson("/chat", Map.of("user_id", user, "message", "Hello there"));

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = answer.json().get("interaction_id").asText();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT user_input FROM chat_history WHERE id = ? AND user_id = ?", String.class, id, user))
                .containsExactly("Hello there"));
    }

    @Test
    void chatSendCompletesItsSessionThroughTheEmbeddedBrokerAndRedis() {
        String user = "standin-" + UUID.randomUUID();
        Http http = Http.as(port, user, "user");

        var sent = http.postJson("/chat/send", Map.of("message", "What are healthy eating habits? " + user));

        assertThat(sent.status()).as(sent.text()).isEqualTo(202);
        String session = sent.json().get("session_id").asText();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var read = http.get("/chat/session/" + session);
            assertThat(read.status()).as(read.text()).isEqualTo(200);
            assertThat(read.json().get("status").asText()).isEqualTo("completed");
        });
        assertThat(redis.hasKey("chat:session:" + session)).isTrue();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                jdbc.queryForList("SELECT user_id FROM chat_history WHERE id = ?", String.class, session))
                .containsExactly(user));
    }
}
