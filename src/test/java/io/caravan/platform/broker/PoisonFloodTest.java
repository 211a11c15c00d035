package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A poison flood from a seed client that sets no message ids: 500 messages that are not JSON among 500
 * good ones on one queue. The poison is parked and the good messages stored at the consumer's pace;
 * every dead letter is listed with an id (the name-based id derived from its bytes, as the sinks derive
 * it), and can be deleted and replayed by that id.
 */
@DirtiesContext
class PoisonFloodTest extends CaravanTest {

    private static final Logger LOG = LoggerFactory.getLogger(PoisonFloodTest.class);
    static final String QUEUE = "chat_history.poison-test";
    static final String DLQ = QUEUE + ".dlq";
    static final String OPS = "/ops/dead-letters/" + DLQ;
    static final int EACH = 500;

    @DynamicPropertySource
    static void ownQueue(DynamicPropertyRegistry registry) {
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @AfterEach
    void emptyTheDeadLetterQueue() throws Exception {
        Broker.purge(DLQ);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aPoisonFloodIsParkedWithAnIdForEveryDeadLetter() throws Exception {
        Http http = new Http(port);
        String user = "flood-" + UUID.randomUUID();
        List<byte[]> bodies = new ArrayList<>();
        List<String> poisonIds = new ArrayList<>();
        List<String> goodIds = new ArrayList<>();
        for (int n = 0; n < EACH; n++) {
            byte[] poison = ("not json " + user + " #" + n).getBytes(StandardCharsets.UTF_8);
            bodies.add(poison);
            poisonIds.add(UUID.nameUUIDFromBytes(poison).toString());
            String id = UUID.randomUUID().toString();
            goodIds.add(id);
            bodies.add("""
                    {"id": "%s", "user_id": "%s", "user_input": "#%d", "bot_response": "ok", "timestamp": "2026-11-29T06:00:00Z"}"""
                    .formatted(id, user, n).getBytes(StandardCharsets.UTF_8));
        }

        long start = System.nanoTime();
        Broker.publishAll(QUEUE, bodies, Broker.json(null));

        await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
            assertThat(Broker.depth(DLQ)).isEqualTo(EACH);
            assertThat(stored(user)).isEqualTo(EACH);
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("{} poison and {} good messages consumed in {} s ({} msg/s)", EACH, EACH, String.format("%.1f", seconds),
                String.format("%.0f", 2 * EACH / seconds));

        var page = http.get(OPS + "?limit=" + EACH);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        List<String> listed = new ArrayList<>();
        for (JsonNode deadLetter : page.json().get("dead_letters")) {
            listed.add(deadLetter.get("message_id").asText());
            assertThat(deadLetter.get("failure").asText()).isEqualTo("poison");
            assertThat(deadLetter.get("reason").asText()).isNotBlank();
        }
        assertThat(listed).as("every dead letter is listed with the id derived from its bytes").containsExactlyElementsOf(poisonIds);
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT id) FROM chat_history WHERE id = ANY (?)", Integer.class,
                (Object) goodIds.toArray(String[]::new))).isEqualTo(EACH);

        var deleted = http.delete(OPS + "/messages/" + poisonIds.get(0));
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(deleted.json().get("ids").get(0).asText()).isEqualTo(poisonIds.get(0));

        var replayed = http.post(OPS + "/messages/" + poisonIds.get(1) + "/replay", "");
        assertThat(replayed.status()).as(replayed.text()).isEqualTo(200);
        assertThat(replayed.json().get("ids").get(0).asText()).isEqualTo(poisonIds.get(1));
        // still poison: parked again, under the same id
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var again = http.get(OPS + "?limit=" + EACH);
            List<String> ids = new ArrayList<>();
            again.json().get("dead_letters").forEach(d -> ids.add(d.get("message_id").asText()));
            assertThat(ids).hasSize(EACH - 1).doesNotContain(poisonIds.get(0)).contains(poisonIds.get(1));
        });
    }

    private int stored(String user) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE user_id = ?", Integer.class, user);
    }
}
