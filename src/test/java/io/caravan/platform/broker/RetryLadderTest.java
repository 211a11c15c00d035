package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The broker-held retry ladder on a real broker and a really failing store: a PostgreSQL trigger
 * (test-only) refuses the insert of chosen ids a chosen number of times. Short delays, no immediate
 * in-process retries, no batches, so every failed insert is one trip up the ladder.
 */
@DirtiesContext
class RetryLadderTest extends CaravanTest {

    static final String QUEUE = "chat_history.ladder-test";
    static final String DLQ = QUEUE + ".dlq";

    @DynamicPropertySource
    static void shortLadder(DynamicPropertyRegistry registry) {
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
        registry.add("caravan.broker.queues.chat-history.retry-delays", () -> "300ms,600ms");
        registry.add("caravan.broker.immediate-retries", () -> "0");
        // one message at a time: a failed batch would be one more attempt before the ladder (ChatHistoryBatchTest)
        registry.add("caravan.broker.queues.chat-history.batch-size", () -> "1");
    }

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    MeterRegistry meters;

    @BeforeEach
    void flakyStore() throws Exception {
        jdbc.execute("CREATE TABLE IF NOT EXISTS test_flaky_inserts (id text PRIMARY KEY, seq text NOT NULL, failures int NOT NULL)");
        // nextval() is not rolled back with the failed insert, so the sequence counts attempts
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION test_flaky_insert() RETURNS trigger AS $$
                DECLARE s text; f int;
                BEGIN
                  SELECT seq, failures INTO s, f FROM test_flaky_inserts WHERE id = NEW.id;
                  IF FOUND AND nextval(s::regclass) <= f THEN
                    RAISE EXCEPTION 'test: store unavailable for %', NEW.id USING ERRCODE = '08006';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""");
        jdbc.execute("DROP TRIGGER IF EXISTS test_flaky_insert ON chat_history");
        jdbc.execute("CREATE TRIGGER test_flaky_insert BEFORE INSERT ON chat_history FOR EACH ROW EXECUTE FUNCTION test_flaky_insert()");
        Broker.purge(DLQ);
    }

    @Test
    void aStoreFailingTwiceThenRecoveringStoresTheMessageOnceAfterTheSecondStep() throws Exception {
        String id = flaky(2);
        double step1 = retried("1");
        double step2 = retried("2");
        Instant published = Instant.now();

        Broker.publish(QUEUE, message(id), Broker.json(id));
        String behind = "behind-" + UUID.randomUUID();
        Broker.publish(QUEUE, message(behind), Broker.json(behind));

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(rows(behind)).isEqualTo(1));
        assertThat(rows(id)).as("the failing message does not block the one behind it").isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rows(id)).isEqualTo(1));
        Duration took = Duration.between(published, Instant.now());
        assertThat(took).as("waited in the broker for 300 ms + 600 ms").isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(attempts(id)).isEqualTo(3);
        assertThat(retried("1") - step1).isEqualTo(1);
        assertThat(retried("2") - step2).isEqualTo(1);
        assertThat(Broker.depth(DLQ)).isZero();
        assertThat(Broker.depth(QUEUE + ".retry.1") + Broker.depth(QUEUE + ".retry.2")).isZero();
    }

    @Test
    void aFailureThatOutlastsTheLadderIsDeadLetteredWithItsHistory() throws Exception {
        String id = flaky(100);
        String body = message(id);

        Broker.publish(QUEUE, body, Broker.json(id));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(1));
        Broker.Received dead = Broker.get(DLQ);
        assertThat(new String(dead.body())).isEqualTo(body);
        assertThat(dead.properties().getMessageId()).isEqualTo(id);
        assertThat(dead.header(DeadLetters.H_FAILURE)).isEqualTo("transient");
        assertThat(dead.header(DeadLetters.H_ATTEMPTS)).isEqualTo("3");
        assertThat(dead.header(DeadLetters.H_REASON)).contains("store unavailable");
        assertThat(dead.header(DeadLetters.H_ORIGINAL_QUEUE)).isEqualTo(QUEUE);
        assertThat(dead.header(DeadLetters.H_ORIGINAL_EXCHANGE)).isEmpty();
        assertThat(dead.header(DeadLetters.H_ORIGINAL_ROUTING_KEY)).isEqualTo(QUEUE);
        assertThat(Instant.parse(dead.header(DeadLetters.H_LAST_FAILURE)))
                .isAfterOrEqualTo(Instant.parse(dead.header(DeadLetters.H_FIRST_FAILURE)).plusMillis(900));
        assertThat(dead.headers()).doesNotContainKey("x-death");
        assertThat(attempts(id)).isEqualTo(3);
        assertThat(rows(id)).isZero();
    }

    @Test
    void aPoisonMessageSkipsTheLadder() throws Exception {
        double step1 = retried("1");

        Broker.publish(QUEUE, "{\"user_id\": \"x\"}", Broker.json("poison-" + UUID.randomUUID()));

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(1));
        assertThat(Broker.get(DLQ).header(DeadLetters.H_FAILURE)).isEqualTo("poison");
        assertThat(retried("1")).isEqualTo(step1);
    }

    private String flaky(int failures) {
        String id = "flaky-" + UUID.randomUUID();
        String seq = "test_flaky_" + id.substring(6).replace("-", "");
        jdbc.execute("CREATE SEQUENCE " + seq);
        jdbc.update("INSERT INTO test_flaky_inserts (id, seq, failures) VALUES (?, ?, ?)", id, seq, failures);
        return id;
    }

    private long attempts(String id) {
        String seq = jdbc.queryForObject("SELECT seq FROM test_flaky_inserts WHERE id = ?", String.class, id);
        return jdbc.queryForObject("SELECT last_value FROM " + seq, Long.class);
    }

    private String message(String id) throws Exception {
        return json.writeValueAsString(Map.of("id", id, "user_id", "ladder", "user_input", "retry me", "bot_response", "ok"));
    }

    private int rows(String id) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id);
    }

    private double retried(String step) {
        var counter = meters.find("caravan.messages.retried").tags("queue", QUEUE, "step", step).counter();
        return counter == null ? 0 : counter.count();
    }
}
