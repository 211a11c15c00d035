package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * PostgreSQL unreachable: Caravan reaches its database only through a TCP proxy this test cuts and
 * restores. With the connection timeouts of application.yaml (about 2 s, not Hikari's default 30 s) a
 * consumer's attempt fails fast, the retry ladder holds the message, and once PostgreSQL is back the
 * message is stored exactly once.
 */
@DirtiesContext
class DatabaseOutageTest extends CaravanTest {

    static final String DB_URL = System.getenv().getOrDefault("TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/caravan_test");
    static final URI DB = URI.create(DB_URL.substring("jdbc:".length()));
    static final TcpProxy PROXY = TcpProxy.to(DB.getHost(), DB.getPort() < 0 ? 5432 : DB.getPort());
    static final String QUEUE = "chat_history.pg-outage-test";

    @DynamicPropertySource
    static void databaseThroughTheProxy(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:postgresql://127.0.0.1:" + PROXY.port() + DB.getPath());
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
        // the first step is long enough to see the message held there; the later ones bring it back soon
        registry.add("caravan.broker.queues.chat-history.retry-delays", () -> "8s,2s,2s,2s,2s,2s,2s,2s");
    }

    @Autowired
    JdbcTemplate jdbc;

    @AfterEach
    void restoreDatabase() {
        PROXY.restore();
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withPostgresDownAnAttemptFailsFastTheLadderHoldsTheMessageAndItIsStoredOnceWhenPostgresIsBack() throws Exception {
        String id = UUID.randomUUID().toString();
        String body = """
                {"id": "%s", "user_id": "pg-outage", "user_input": "hello", "bot_response": "Hi!",
                 "timestamp": "2026-11-29T06:00:00Z"}""".formatted(id);
        PROXY.cut();

        Broker.publish(QUEUE, body, Broker.json(id));

        // the batch's attempt, then the message's own two (one immediate retry), about 2 s each, then the first
        // step of the ladder; with Hikari's default 30 s connection timeout this would take a minute and a half
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> Broker.depth(QUEUE + ".retry.1") == 1);
        assertThat(Broker.depth(QUEUE + ".dlq")).isZero();

        PROXY.restore();

        // the pool may still be finding out that PostgreSQL is back: a query refused meanwhile is asked again
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id)).isEqualTo(1));
        assertThat(Broker.depth(QUEUE + ".dlq")).isZero();
    }
}
