package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.DurableConsumerTemplate;
import io.caravan.support.CaravanTest;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The commerce-events batch sinks ({@code direct:commerce-events.neo4j-store-batch},
 * {@code direct:commerce-events.qdrant-store-batch}) driven as the durable consumer will drive them: a
 * {@code List<ConsumedMessage>}. They store what the per-message workers store for the same events, and a batch
 * sent again (a redelivery) changes nothing. The incremental profile equals the profile computed from all of
 * the user's interactions at once, also when overlapping batches are stored concurrently.
 */
// the first test to touch Neo4j in a fresh context compiles its statements: more than the default 60 s on a busy machine
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CommerceEventsBatchSinkTest extends CaravanTest {

    static final String NEO4J_BATCH = "direct:commerce-events.neo4j-store-batch";
    static final String QDRANT_BATCH = "direct:commerce-events.qdrant-store-batch";
    static final String[] TYPES = {"view", "view", "cart", "remove_from_cart", "purchase"};
    static final String[] CATEGORIES = {"batch.phone", "batch.chair", null};

    @Autowired
    ProducerTemplate camel;
    @Autowired
    Driver neo4j;
    @Autowired
    InteractionVectoriser vectoriser;

    String run;

    @BeforeEach
    void setUp() {
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void theNeo4jBatchSinkRecordsWhatThePerMessageWorkerRecordsAndABatchSentTwiceCountsOnce() {
        List<ConsumedMessage> perMessage = messages("one-" + run, 20);
        List<ConsumedMessage> batch = messages("all-" + run, 20);

        perMessage.forEach(message -> toWorker("direct:commerce-events.neo4j-worker", message));
        camel.sendBody(NEO4J_BATCH, batch);
        camel.sendBody(NEO4J_BATCH, batch);

        assertThat(graph("all-" + run)).isEqualTo(graph("one-" + run)).hasSize(graph("one-" + run).size()).isNotEmpty();
        assertThat(count("MATCH (e:Event) WHERE e.user_id STARTS WITH $prefix RETURN count(e)", "all-" + run)).isEqualTo(20);
        assertThat(count("MATCH (:User)-[r:INTERACTED]->() WHERE r.count > 0 AND startNode(r).id STARTS WITH $prefix RETURN sum(r.count)",
                "all-" + run)).isEqualTo(20);
        assertThat(count("MATCH (e:Event) WHERE e.id STARTS WITH $prefix AND e.attempt IS NOT NULL RETURN count(e)", "all-" + run))
                .as("no token left behind").isZero();
    }

    @Test
    void theQdrantBatchSinkStoresWhatThePerMessageWorkerStoresAndABatchSentTwiceCountsOnce() throws Exception {
        List<ConsumedMessage> perMessage = messages("one-" + run, 30);
        List<ConsumedMessage> batch = messages("all-" + run, 30);

        perMessage.forEach(message -> toWorker("direct:commerce-events.qdrant-worker", message));
        camel.sendBody(QDRANT_BATCH, batch);
        camel.sendBody(QDRANT_BATCH, batch.subList(0, 10)); // a part of it redelivered
        camel.sendBody(QDRANT_BATCH, batch);

        for (int u = 0; u < 3; u++) {
            String one = "one-" + run + "-u" + u;
            String all = "all-" + run + "-u" + u;
            RetrievedPoint single = CommerceEventsFlowTest.profile(one);
            RetrievedPoint batched = CommerceEventsFlowTest.profile(all);
            assertThat(batched.getPayloadMap().get("interactions").getIntegerValue())
                    .isEqualTo(single.getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(10);
            assertThat(CommerceEventsFlowTest.interactionsOf(all)).hasSize(10);
            assertClose(vector(batched), vector(single));
            // and equal to the profile computed from the user's interactions all at once
            assertClose(vector(batched), vectoriser.profile(interactions(all)).orElseThrow());
        }
    }

    @Test
    void concurrentOverlappingBatchesAddEachEventToTheProfileOnce() throws Exception {
        String user = "conc-" + run;
        List<ConsumedMessage> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(message(user + "-e" + i, user, "p-" + (i % 7), TYPES[i % TYPES.length], CATEGORIES[i % 3], 1 + i % 9));
        }
        // four workers get overlapping slices, each twice: every event is delivered two to eight times at once
        List<Callable<Object>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<ConsumedMessage> slice = events.subList(w * 5, Math.min(events.size(), w * 5 + 25));
            workers.add(() -> camel.requestBody(QDRANT_BATCH, slice));
            workers.add(() -> camel.requestBody(QDRANT_BATCH, slice));
        }
        workers.add(() -> camel.requestBody(QDRANT_BATCH, events));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Future<Object> done : pool.invokeAll(workers, 30, TimeUnit.SECONDS)) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }

        RetrievedPoint profile = CommerceEventsFlowTest.profile(user);
        assertThat(profile.getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(40);
        assertClose(vector(profile), vectoriser.profile(interactions(user)).orElseThrow());
    }

    // ------------------------------------------------------------------ helpers

    /** n events over 3 users of this prefix, 4 products, every kind; the same for every prefix. */
    private List<ConsumedMessage> messages(String prefix, int n) {
        List<ConsumedMessage> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(message(prefix + "-e" + i, prefix + "-u" + (i % 3), "batch-p" + (i % 4), TYPES[i % TYPES.length],
                    CATEGORIES[i % 3], 1 + i % 9));
        }
        return messages;
    }

    private static ConsumedMessage message(String id, String user, String product, String type, String category, int day) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", id);
        body.put("user_id", user);
        body.put("product_id", product);
        body.put("event_type", type);
        body.put("user_session", "s");
        body.put("timestamp", "2026-01-0" + day + "T10:00:00Z");
        if (category != null) {
            body.put("category", category);
            body.put("price", 100.0);
        }
        return new ConsumedMessage(id, new Date(), body);
    }

    private void toWorker(String uri, ConsumedMessage message) {
        var exchange = camel.send(uri, e -> {
            e.getMessage().setBody(message.body());
            e.setProperty(DurableConsumerTemplate.MESSAGE_ID, message.id());
            e.setProperty(DurableConsumerTemplate.MESSAGE_TIME, message.time());
        });
        assertThat(exchange.getException()).isNull();
    }

    /** Every INTERACTED relationship of the users of a prefix, with the prefix taken out, and the products' facts. */
    private List<String> graph(String prefix) {
        List<Record> records = neo4j.executableQuery("""
                        MATCH (u:User)-[r:INTERACTED]->(p:Product) WHERE u.id STARTS WITH $prefix
                        RETURN substring(u.id, size($prefix)) AS user, p.id AS product, r.type AS type, r.count AS count,
                               toString(r.first_seen) AS first, toString(r.last_seen) AS last, p.category AS category
                        ORDER BY user, product, type""")
                .withParameters(Map.of("prefix", prefix)).execute().records();
        return records.stream().map(r -> r.asMap().toString()).toList();
    }

    private long count(String cypher, String prefix) {
        return neo4j.executableQuery(cypher).withParameters(Map.of("prefix", prefix)).execute().records().get(0).get(0).asLong();
    }

    private static List<InteractionVectoriser.Interaction> interactions(String user) throws Exception {
        return CommerceEventsFlowTest.interactionsOf(user).stream().map(p -> new InteractionVectoriser.Interaction(
                p.getPayloadMap().get("product_id").getStringValue(),
                p.getPayloadMap().containsKey("category") ? p.getPayloadMap().get("category").getStringValue() : null,
                p.getPayloadMap().containsKey("price") ? p.getPayloadMap().get("price").getDoubleValue() : null,
                p.getPayloadMap().get("event_type").getStringValue())).toList();
    }

    @SuppressWarnings("deprecation")
    private static float[] vector(RetrievedPoint point) {
        List<Float> values = point.getVectors().getVector().getDataList();
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return vector;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("coordinate %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }
}
