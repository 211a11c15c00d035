package io.caravan.flows.commerceevents;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.PointIdFactory.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.TestQdrant;
import io.micrometer.core.instrument.MeterRegistry;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The commerce-events flow (seed 002) end to end: HTTP and AMQP in, through the real broker's fanout
 * exchange and both workers, into the in-process Neo4j and the Qdrant-protocol test server.
 */
class CommerceEventsFlowTest extends CaravanTest {

    static final String EXCHANGE = "events";
    static final String NEO4J_QUEUE = "events.neo4j";
    static final String QDRANT_QUEUE = "events.qdrant";
    static final String DLQ = "events.dlq";
    static final Duration WITHIN = Duration.ofSeconds(15);

    @LocalServerPort
    int port;
    @Autowired
    Driver neo4j;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ObjectMapper json;

    String user;
    Http http;

    @BeforeEach
    void setUp() {
        user = "shopper-" + UUID.randomUUID();
        http = Http.as(port, user, "user");
    }

    @Test
    void theSeedsCurlExampleRecordsTheRelationshipAndTheUsersVector() throws Exception {
        String userId = String.valueOf(ThreadLocalRandom.current().nextInt(1_000_000, Integer.MAX_VALUE));
        String body = "{\"user_id\": " + userId + ", \"product_id\": 100, \"event_type\": \"view\", \"user_session\": \"test\"}";

        var accepted = Http.as(port, userId, "user").post("/events", body);

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        assertThat(accepted.json().get("path").asText()).isEqualTo("rabbitmq");
        assertThat(accepted.json().get("accepted_via").asText()).isEqualTo("broker");
        assertThat(accepted.header("Caravan-Path")).isEqualTo("rabbitmq");
        String eventId = accepted.json().get("event_id").asText();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(relationship(userId, "100", "view")).isNotNull());
        Record interaction = relationship(userId, "100", "view");
        assertThat(interaction.get("count").asLong()).isEqualTo(1);
        assertThat(interaction.get("first_seen").asZonedDateTime()).isEqualTo(interaction.get("last_seen").asZonedDateTime());
        assertThat(count("MATCH (e:Event {id: $id, user_id: $user, product_id: '100', type: 'view'}) RETURN count(e)",
                Map.of("id", eventId, "user", userId))).isEqualTo(1);

        await().atMost(WITHIN).untilAsserted(() -> assertThat(profile(userId)).isNotNull());
        RetrievedPoint profile = profile(userId);
        assertThat(profile.getVectors().getVector().getDataList()).hasSize(256);
        assertThat(profile.getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(1);
        assertThat(point("user_interactions", CommerceVectorStore.interactionId(eventId)).getPayloadMap().get("product_id").getStringValue())
                .isEqualTo("100");
        assertThat(point("products", CommerceVectorStore.productId("100"))).isNotNull();
    }

    @Test
    void aRedeliveredEventIsRecordedOnceInBothSinksAndANewOneCountsAgain() throws Exception {
        String product = "p-" + UUID.randomUUID();
        String seedMessage = json.writeValueAsString(Map.of("user_id", user, "product_id", product, "event_type", "cart",
                "user_session", "s1", "event_time", "2026-01-05 10:00:00"));
        String messageId = "seed-" + UUID.randomUUID();
        double neo4jStored = stored(NEO4J_QUEUE);
        double qdrantStored = stored(QDRANT_QUEUE);

        // a seed (pika) client publishes to the fanout exchange; the broker delivers it twice
        Broker.publish(EXCHANGE, "", seedMessage.getBytes(StandardCharsets.UTF_8), Broker.json(messageId));
        Broker.publish(EXCHANGE, "", seedMessage.getBytes(StandardCharsets.UTF_8), Broker.json(messageId));

        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(stored(NEO4J_QUEUE) - neo4jStored).isGreaterThanOrEqualTo(2);
            assertThat(stored(QDRANT_QUEUE) - qdrantStored).isGreaterThanOrEqualTo(2);
        });
        assertThat(relationship(user, product, "cart").get("count").asLong()).isEqualTo(1);
        assertThat(relationship(user, product, "cart").get("first_seen").asZonedDateTime().toString()).startsWith("2026-01-05T10:00Z");
        assertThat(count("MATCH (e:Event {id: $id}) RETURN count(e)", Map.of("id", messageId))).isEqualTo(1);
        assertThat(profile(user).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(1);
        assertThat(interactionsOf(user)).hasSize(1);

        var again = http.postJson("/events", event(product, "cart"));
        assertThat(again.status()).isEqualTo(202);

        await().atMost(WITHIN).untilAsserted(() -> assertThat(relationship(user, product, "cart").get("count").asLong()).isEqualTo(2));
        await().atMost(WITHIN).untilAsserted(() ->
                assertThat(profile(user).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(2));
    }

    @Test
    void aBatchIsPublishedAsOneAndEveryEventIsRecorded() throws Exception {
        String product = "p-" + UUID.randomUUID();
        List<Map<String, Object>> events = List.of(event(product, "view"), event(product, "view"), event(product, "purchase"));
        double accepted = accepted();

        // the seed's batch body: a bare JSON array
        var answer = http.post("/events/batch", json.writeValueAsString(events));

        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        assertThat(answer.json().get("count").asInt()).isEqualTo(3);
        assertThat(answer.json().get("event_ids")).hasSize(3);
        assertThat(answer.json().get("accepted_via").asText()).isEqualTo("broker");
        assertThat(accepted() - accepted).isEqualTo(3);
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(relationship(user, product, "view")).isNotNull();
            assertThat(relationship(user, product, "view").get("count").asLong()).isEqualTo(2);
            assertThat(relationship(user, product, "purchase")).isNotNull();
        });
        await().atMost(WITHIN).untilAsserted(() -> assertThat(interactionsOf(user)).hasSize(3));
        for (JsonNode id : answer.json().get("event_ids")) {
            assertThat(count("MATCH (e:Event {id: $id}) RETURN count(e)", Map.of("id", id.asText()))).isEqualTo(1);
        }
    }

    @Test
    void aBatchWithOneBadEventOrTooManyEventsIsRefusedWholeAndNothingIsPublished() throws Exception {
        String product = "p-" + UUID.randomUUID();
        Map<String, Object> good = event(product, "view");
        good.put("event_id", "good-" + UUID.randomUUID());
        Map<String, Object> bad = event(product, "like");
        double accepted = accepted();

        var refused = http.postJson("/events/batch", Map.of("events", List.of(good, bad)));
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            tooMany.add(event(product, "view"));
        }
        var tooLarge = http.postJson("/events/batch", Map.of("events", tooMany));
        var empty = http.postJson("/events/batch", Map.of("events", List.of()));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.json().get("errors").findValuesAsText("field")).containsExactly("events[1].event_type");
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.json().get("errors").findValuesAsText("field")).containsExactly("events");
        assertThat(tooLarge.json().get("errors").get(0).get("message").asText()).contains("at most 500");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(accepted()).isEqualTo(accepted);
        // an event sent afterwards is recorded; the refused batch's good event never is
        String after = http.postJson("/events", event(product, "cart")).json().get("event_id").asText();
        await().atMost(WITHIN).untilAsserted(() ->
                assertThat(count("MATCH (e:Event {id: $id}) RETURN count(e)", Map.of("id", after))).isEqualTo(1));
        assertThat(count("MATCH (e:Event {id: $id}) RETURN count(e)", Map.of("id", good.get("event_id")))).isZero();
    }

    @Test
    void anUnknownEventTypeOrAMissingFieldIs400NamingTheField() {
        double accepted = accepted();
        Map<String, Object> noSession = event("p-1", "view");
        noSession.remove("user_session");

        var like = http.postJson("/events", event("p-1", "like"));
        var missing = http.postJson("/events", noSession);
        var badTime = http.postJson("/events", withTimestamp(event("p-1", "view"), "yesterday"));

        assertThat(like.status()).isEqualTo(400);
        assertThat(like.json().get("errors").findValuesAsText("field")).containsExactly("event_type");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("errors").findValuesAsText("field")).containsExactly("user_session");
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.json().get("errors").findValuesAsText("field")).containsExactly("timestamp");
        assertThat(accepted()).isEqualTo(accepted);
    }

    @Test
    void aProductIdThatLooksLikeCypherIsStoredVerbatim() throws Exception {
        String first = "p-" + UUID.randomUUID();
        http.postJson("/events", event(first, "view"));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(relationship(user, first, "view")).isNotNull());
        long nodesBefore = count("MATCH (n) RETURN count(n)", Map.of());
        String injection = "x'}) DETACH DELETE n //";

        var answer = http.postJson("/events", event(injection, "view"));

        assertThat(answer.status()).isEqualTo(202);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(relationship(user, injection, "view")).isNotNull());
        assertThat(count("MATCH (p:Product {id: $id}) RETURN count(p)", Map.of("id", injection))).isEqualTo(1);
        assertThat(relationship(user, first, "view")).as("the earlier product and relationship are still there").isNotNull();
        assertThat(count("MATCH (n) RETURN count(n)", Map.of())).isGreaterThan(nodesBefore);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(interactionsOf(user))
                .extracting(p -> p.getPayloadMap().get("product_id").getStringValue()).contains(injection));
    }

    @Test
    void recommendationsRankTheNearestProductFirstWithoutWhatTheUserBought() throws Exception {
        // Fixed product ids: their hashed features, and so this ranking, are the same in every run. Products of
        // other tests share the collection; one whose hashed id collided with a feature of these would still
        // score about 0.5 at most, well below the expected first (about 0.75).
        String phones = "rec-electronics.smartphone";
        String[] p = {null, "rec-phone-1", "rec-phone-2", "rec-chair-3", "rec-phone-4", "rec-sofa-5"};
        String other = "other-" + UUID.randomUUID();
        List<Map<String, Object>> events = List.of(
                event(user, p[1], "purchase", phones, 500.0),
                event(user, p[2], "cart", phones, 520.0),
                event(user, p[3], "view", "rec-furniture.chair", 80.0),
                event(other, p[4], "view", phones, 510.0),
                event(other, p[5], "view", "rec-furniture.sofa", 90.0));
        assertThat(new Http(port).postJson("/events/batch", Map.of("events", events)).status()).isEqualTo(202);
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(profile(user)).isNotNull();
            assertThat(profile(user).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(3);
            assertThat(profile(other)).isNotNull();
            assertThat(profile(other).getPayloadMap().get("interactions").getIntegerValue()).isEqualTo(2);
        });

        var answer = http.get("/recommendations/" + user + "?limit=10");
        var top = http.get("/recommendations/" + user + "?limit=1");

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        List<String> ranked = answer.json().get("recommendations").findValuesAsText("product_id");
        assertThat(ranked.get(0)).as("in the cart, same category as the purchase").isEqualTo(p[2]);
        assertThat(ranked).doesNotContain(p[1]);
        assertThat(ranked.indexOf(p[4])).as("same category, never seen").isPositive().isLessThan(ranked.indexOf(p[3]));
        assertThat(answer.json().get("excluded_purchases").asInt()).isEqualTo(1);
        List<Double> scores = answer.json().get("recommendations").findValues("score").stream().map(JsonNode::asDouble).toList();
        assertThat(scores).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(scores.get(0)).isBetween(0.65, 0.85);
        assertThat(answer.json().get("recommendations").get(0).get("category").asText()).isEqualTo(phones);
        assertThat(top.json().get("recommendations").findValuesAsText("product_id")).containsExactly(p[2]);
    }

    @Test
    void usersPostAndReadOnlyAsThemselvesUnlessAdmin() {
        double accepted = accepted();

        var forSomeoneElse = http.postJson("/events", event("someone-else", "p-1", "view", null, null));
        var othersRecommendations = http.get("/recommendations/someone-else");
        var anonymous = Http.anonymous(port).get("/recommendations/" + user);
        var unknownAsAdmin = new Http(port).get("/recommendations/nobody-" + UUID.randomUUID());
        var badLimit = http.get("/recommendations/" + user + "?limit=0");

        assertThat(forSomeoneElse.status()).isEqualTo(403);
        assertThat(accepted()).isEqualTo(accepted);
        assertThat(othersRecommendations.status()).isEqualTo(403);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(unknownAsAdmin.status()).isEqualTo(404);
        assertThat(unknownAsAdmin.contentType()).isEqualTo("application/problem+json");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.json().get("errors").findValuesAsText("field")).containsExactly("limit");
    }

    @Test
    void aPoisonMessageIsParkedInTheSharedDlqAndReplayedOnlyToTheQueueItFailedOn() throws Exception {
        Broker.purge(DLQ);
        String id = "poison-" + UUID.randomUUID();
        String body = json.writeValueAsString(Map.of("user_id", user, "product_id", "p-1", "event_type", "like"));

        Broker.publish(NEO4J_QUEUE, body, Broker.json(id));

        await().atMost(WITHIN).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(1));
        var dlqStats = new Http(port).get("/rabbitmq/queues/" + DLQ);
        assertThat(dlqStats.json().get("work_queues")).extracting(JsonNode::asText).containsExactly(NEO4J_QUEUE, QDRANT_QUEUE);
        assertThat(dlqStats.json().get("work_queue").isNull()).isTrue();

        var replay = new Http(port).post("/ops/dead-letters/" + DLQ + "/messages/" + id + "/replay", "");

        assertThat(replay.status()).as(replay.text()).isEqualTo(200);
        // replayed to events.neo4j alone (not through the fanout), poison again: one dead letter, not two
        await().atMost(WITHIN).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isEqualTo(1));
        Broker.Received parked = Broker.get(DLQ);
        assertThat(parked.properties().getMessageId()).isEqualTo(id);
        assertThat(parked.header(DeadLetters.H_ORIGINAL_QUEUE)).isEqualTo(NEO4J_QUEUE);
        assertThat(parked.header(DeadLetters.H_REPLAY_COUNT)).isEqualTo("1");
        assertThat(Broker.depth(DLQ)).isZero();
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, Object> event(String product, String type) {
        return event(user, product, type, null, null);
    }

    private static Map<String, Object> event(String userId, String product, String type, String category, Double price) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("user_id", userId);
        event.put("product_id", product);
        event.put("event_type", type);
        event.put("user_session", "session-1");
        if (category != null) {
            event.put("category", category);
        }
        if (price != null) {
            event.put("price", price);
        }
        return event;
    }

    private static Map<String, Object> withTimestamp(Map<String, Object> event, Object timestamp) {
        event.put("timestamp", timestamp);
        return event;
    }

    /** The INTERACTED relationship's properties, or null when there is none. */
    private Record relationship(String userId, String productId, String type) {
        List<Record> records = neo4j.executableQuery("""
                        MATCH (:User {id: $user})-[r:INTERACTED {type: $type}]->(:Product {id: $product})
                        RETURN r.count AS count, r.first_seen AS first_seen, r.last_seen AS last_seen""")
                .withParameters(Map.of("user", userId, "product", productId, "type", type))
                .execute().records();
        return records.isEmpty() ? null : records.get(0);
    }

    private long count(String cypher, Map<String, Object> parameters) {
        return neo4j.executableQuery(cypher).withParameters(parameters).execute().records().get(0).get(0).asLong();
    }

    static RetrievedPoint profile(String userId) throws Exception {
        return point("user_profiles", CommerceVectorStore.profileId(userId));
    }

    static RetrievedPoint point(String collection, UUID id) throws Exception {
        if (!TestQdrant.client().collectionExistsAsync(collection).get()) {
            return null;
        }
        List<RetrievedPoint> found = TestQdrant.client().retrieveAsync(collection, List.of(id(id)), true, true, null).get();
        return found.isEmpty() ? null : found.get(0);
    }

    static List<RetrievedPoint> interactionsOf(String userId) throws Exception {
        if (!TestQdrant.client().collectionExistsAsync("user_interactions").get()) {
            return List.of();
        }
        return TestQdrant.client().scrollAsync(ScrollPoints.newBuilder().setCollectionName("user_interactions")
                .setFilter(Filter.newBuilder().addMust(matchKeyword("user_id", userId)))
                .setWithPayload(WithPayloadSelectorFactory.enable(true)).setLimit(1000).build()).get().getResultList();
    }

    private double stored(String queue) {
        var counter = meters.find("caravan.messages.stored").tag("queue", queue).counter();
        return counter == null ? 0 : counter.count();
    }

    private double accepted() {
        return meters.find("caravan.messages.accepted").tag("queue", EXCHANGE).counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
