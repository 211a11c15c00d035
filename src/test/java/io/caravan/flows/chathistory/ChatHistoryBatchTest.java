package io.caravan.flows.chathistory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.api.management.ManagedCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * chat-history's consumer stores what the broker delivered in batches, one transaction each
 * ({@code platform/broker/ConsumerBatches}): a burst is stored by few batch transactions, none by the per-message
 * sink; a message the store refuses is parked alone and its neighbours are stored; a batch the store refuses is
 * stored not at all (one transaction). The store's refusal is a PostgreSQL trigger of this test's own that refuses one
 * marked value, as a check constraint would.
 */
@DirtiesContext
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatHistoryBatchTest extends CaravanTest {

    static final String QUEUE = "chat_history.batch-test";
    static final String DLQ = QUEUE + ".dlq";
    static final String REFUSED = "refused by the store";

    @DynamicPropertySource
    static void ownQueue(DynamicPropertyRegistry registry) {
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
    }

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate producer;

    @BeforeEach
    void theStoreRefusesOneValue() {
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION chat_history_batch_test_refuse() RETURNS trigger AS $$
                BEGIN
                  IF NEW.user_input = '%s' THEN
                    RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""".formatted(REFUSED));
        jdbc.execute("DROP TRIGGER IF EXISTS chat_history_batch_test_refuse ON chat_history");
        jdbc.execute("CREATE TRIGGER chat_history_batch_test_refuse BEFORE INSERT ON chat_history "
                + "FOR EACH ROW EXECUTE FUNCTION chat_history_batch_test_refuse()");
    }

    @AfterEach
    void theStoreTakesEverythingAgain() throws Exception {
        jdbc.execute("DROP TRIGGER IF EXISTS chat_history_batch_test_refuse ON chat_history");
        jdbc.execute("DROP FUNCTION IF EXISTS chat_history_batch_test_refuse()");
        Broker.purge(DLQ);
    }

    @Test
    void aBurstIsStoredByFewBatchTransactionsAndAckedAfterThem() throws Exception {
        String user = "batch-" + UUID.randomUUID();
        long batchesBefore = completed("chat-history.store-batch");
        long singlesBefore = completed("chat-history.store");

        Broker.publishAll(QUEUE, interactions(user, 1_000, -1), Broker.json(null));

        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(stored(user)).isEqualTo(1_000));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Broker.depth(QUEUE)).isZero());
        long batches = completed("chat-history.store-batch") - batchesBefore;
        assertThat(batches).as("batch transactions for 1,000 messages").isBetween(1L, 200L);
        assertThat(completed("chat-history.store") - singlesBefore).as("messages stored alone").isZero();
    }

    @Test
    void aMessageTheStoreRefusesIsParkedAloneAndItsNeighboursAreStored() throws Exception {
        String user = "batch-poison-" + UUID.randomUUID();

        Broker.publishAll(QUEUE, interactions(user, 50, 17), Broker.json(null));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(stored(user)).isEqualTo(49);
            assertThat(Broker.depth(DLQ)).isEqualTo(1);
        });
        var parked = Broker.get(DLQ);
        assertThat(new String(parked.body(), StandardCharsets.UTF_8)).contains(REFUSED);
        assertThat(parked.header("x-caravan-failure")).isEqualTo("poison");
        assertThat(Broker.depth(QUEUE)).isZero();
    }

    @Test
    void aBatchIsOneTransactionAndStoringItAgainStoresNothingTwice() {
        String user = "batch-tx-" + UUID.randomUUID();
        List<ConsumedMessage> good = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            good.add(new ConsumedMessage(UUID.randomUUID().toString(), new Date(),
                    Map.of("user_id", user, "user_input", "#" + n, "bot_response", "ok")));
        }
        List<ConsumedMessage> withRefused = new ArrayList<>(good);
        withRefused.add(new ConsumedMessage(UUID.randomUUID().toString(), new Date(),
                Map.of("user_id", user, "user_input", REFUSED, "bot_response", "ok")));

        Exchange refused = producer.send("direct:chat-history.store-batch", e -> e.getMessage().setBody(withRefused));
        assertThat(refused.getException()).as("the store refused one row of the batch").isNotNull();
        assertThat(stored(user)).as("none of the refused batch").isZero();

        for (int time = 0; time < 2; time++) {
            Exchange done = producer.send("direct:chat-history.store-batch", e -> e.getMessage().setBody(good));
            assertThat(done.getException()).isNull();
        }
        assertThat(stored(user)).isEqualTo(5);
    }

    private List<byte[]> interactions(String user, int count, int refusedAt) {
        List<byte[]> bodies = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            bodies.add("""
                    {"id": "%s", "user_id": "%s", "user_input": "%s", "bot_response": "ok", "timestamp": "2026-11-29T06:00:00Z"}"""
                    .formatted(UUID.randomUUID(), user, n == refusedAt ? REFUSED : "#" + n).getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private long completed(String routeId) {
        return camel.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class)
                .getManagedRoute(routeId).getExchangesCompleted();
    }

    private int stored(String user) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE user_id = ?", Integer.class, user);
    }
}
