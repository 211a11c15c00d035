package io.caravan.flows.learningevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The learning-events flow (seed 004) end to end: events in over HTTP and straight to the topic
 * exchange, handlers' rows in PostgreSQL, dead letters in the DLQ, the event log and its replay.
 * Each test uses its own ids and its own time window, so the tables may hold other rows.
 */
class LearningEventsFlowTest extends CaravanTest {

    static final String EXCHANGE = "knowledge_nest_events";
    static final String NOTIFICATIONS = "knowledge_nest_events.notifications";
    static final String NOTIFICATIONS_DLQ = NOTIFICATIONS + ".dlq";
    static final String EVENT_LOG = "knowledge_nest_events.event_log";
    static final Duration HANDLED_WITHIN = Duration.ofSeconds(10);
    static final DateTimeFormatter SEED_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    CamelContext camel;

    Http http;
    /** This test's own stretch of time: its events occur at base + n minutes. */
    Instant base;

    @BeforeEach
    void setUp() {
        http = new Http(port);
        long minutes = ThreadLocalRandom.current().nextLong(0, 50L * 365 * 24 * 60);
        base = Instant.parse("2040-01-01T00:00:00Z").plus(minutes, ChronoUnit.MINUTES);
    }

    @Test
    void eachSeedEventTypeReachesItsHandler() {
        long user = id();
        long course = id();
        String email = "learner-" + user + "@knowledgenest.test";

        String registered = publish("user.registered", 0, Map.of("user_id", user, "email", email, "name", "Ada"));
        String created = publish("course.created", 1, Map.of("course_id", course, "title", "Camel in Action"));
        String enrolled = publish("course.enrolled", 2, Map.of("enrollment_id", id(), "user_id", user, "course_id", course,
                "course_title", "Camel in Action"));
        String reviewed = publish("review.created", 3, Map.of("review_id", id(), "user_id", user, "course_id", course,
                "rating", 4, "has_comment", true));

        await().atMost(HANDLED_WITHIN).untilAsserted(() -> {
            assertThat(notification(registered, "welcome")).isNotNull();
            assertThat(notification(created, "new-course")).isNotNull();
            assertThat(notification(enrolled, "enrollment-confirmation")).isNotNull();
            assertThat(rating(course)).isNotNull();
        });
        assertThat(notification(registered, "welcome"))
                .containsEntry("recipient", email)
                .containsEntry("subject", "Welcome to KnowledgeNest, Ada!")
                .containsEntry("user_id", user)
                .containsEntry("emailed_at", null);
        assertThat(notification(created, "new-course"))
                .containsEntry("subject", "New course: Camel in Action")
                .containsEntry("course_id", course)
                .containsEntry("recipient", null);
        assertThat(notification(enrolled, "enrollment-confirmation"))
                .as("the address comes from the user.registered event")
                .containsEntry("recipient", email)
                .containsEntry("subject", "You are enrolled in Camel in Action")
                .containsEntry("course_id", course);
        assertThat(rating(course)).containsEntry("review_count", 1).containsEntry("rating_sum", 4L);
        assertThat(rating(course).get("average_rating").toString()).isEqualTo("4.00");
        assertThat(jdbc.queryForObject("SELECT email FROM learning_users WHERE user_id = ?", String.class, user)).isEqualTo(email);
        await().atMost(HANDLED_WITHIN).untilAsserted(() ->
                assertThat(logged(List.of(registered, created, enrolled, reviewed))).isEqualTo(4));
    }

    @Test
    void theRatingAggregateCountsEveryReviewOnceEvenWhenItComesAgain() throws Exception {
        long course = id();
        long firstReview = id();
        String first = publish("review.created", 0, review(firstReview, course, 5));
        publish("review.created", 1, review(id(), course, 4));
        publish("review.created", 2, review(id(), course, 2));

        // the broker delivers the first review again (same message, same id), and its publisher sends it
        // once more as a new event
        Broker.publish(EXCHANGE, "review.created", json.writeValueAsBytes(envelope(first, "review.created", 0,
                review(firstReview, course, 5))), Broker.json(first));
        publish("review.created", 3, review(firstReview, course, 5));
        long markerCourse = id();
        publish("review.created", 4, review(id(), markerCourse, 1));

        // the marker was published last to the same single-consumer queue: once it is counted, so is all before it
        await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(rating(markerCourse)).isNotNull());
        assertThat(rating(course)).containsEntry("review_count", 3).containsEntry("rating_sum", 11L);
        assertThat(rating(course).get("average_rating").toString()).isEqualTo("3.67");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM course_rating_reviews WHERE course_id = ?", Long.class, course))
                .isEqualTo(3);
    }

    @Test
    void anUnknownTypeIsParkedInTheDlqWithItsReasonAndStillLogged() throws Exception {
        Broker.purge(NOTIFICATIONS_DLQ);
        String eventId = "unknown-" + UUID.randomUUID();
        var posted = http.postJson("/domain-events", envelope(eventId, "badge.awarded", 0, Map.of("badge", "first-course")));
        assertThat(posted.status()).as(posted.text()).isEqualTo(202);

        await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(Broker.depth(NOTIFICATIONS_DLQ)).isPositive());
        Broker.Received dead = Broker.drain(NOTIFICATIONS_DLQ).stream()
                .filter(m -> eventId.equals(m.properties().getMessageId())).findFirst().orElseThrow();
        assertThat(dead.header(DeadLetters.H_FAILURE)).isEqualTo("poison");
        assertThat(dead.header(DeadLetters.H_REASON)).isEqualTo("no handler for event type badge.awarded");
        assertThat(dead.header(DeadLetters.H_ORIGINAL_EXCHANGE)).isEqualTo(EXCHANGE);
        assertThat(dead.header(DeadLetters.H_ORIGINAL_ROUTING_KEY)).isEqualTo("badge.awarded");
        assertThat(json.readTree(dead.body()).get("data").get("badge").asText()).isEqualTo("first-course");
        await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(logged(List.of(eventId))).isEqualTo(1));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM learning_notifications WHERE event_id = ?", Long.class, eventId)).isZero();
    }

    @Test
    void aPikaStylePublishStraightToTheExchangeIsHandledOnce() throws Exception {
        long user = id();
        // what the seed's rabbitmq_client.publish_event sends: json.dumps of the envelope, no event or message id
        byte[] body = """
                {"event_type": "user.registered", "timestamp": "2024-01-15T10:30:00.123456", \
                "data": {"user_id": %d, "email": "pika-%d@knowledgenest.test", "name": "Pika User"}}""".formatted(user, user)
                .getBytes(StandardCharsets.UTF_8);
        String derivedId = UUID.nameUUIDFromBytes(body).toString();

        Broker.publish(EXCHANGE, "user.registered", body, Broker.json(null));
        Broker.publish(EXCHANGE, "user.registered", body, Broker.json(null));
        long marker = id();
        publish("course.created", 0, Map.of("course_id", marker, "title", "marker"));

        await().atMost(HANDLED_WITHIN).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("SELECT count(*) FROM learning_notifications WHERE course_id = ?", Long.class, marker))
                    .isEqualTo(1);
            assertThat(logged(List.of(derivedId))).isEqualTo(1);
        });
        assertThat(notification(derivedId, "welcome")).containsEntry("recipient", "pika-" + user + "@knowledgenest.test")
                .containsEntry("subject", "Welcome to KnowledgeNest, Pika User!");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM learning_notifications WHERE user_id = ?", Long.class, user)).isEqualTo(1);
        assertThat(jdbc.queryForMap("SELECT routing_key, occurred_at::text AS occurred FROM learning_event_log WHERE event_id = ?", derivedId))
                .containsEntry("routing_key", "user.registered")
                .containsEntry("occurred", "2024-01-15 10:30:00.123456+00");
    }

    @Test
    void theEventLogIsReadByTypeAndTimeOnePageAtATime() {
        String first = publish("course.created", 1, Map.of("course_id", id(), "title", "first"));
        String other = publish("user.registered", 2, Map.of("user_id", id(), "email", "x@knowledgenest.test", "name", "X"));
        String second = publish("course.enrolled", 3, Map.of("enrollment_id", id(), "user_id", id(), "course_id", id(),
                "course_title", "second"));
        publish("course.created", 10, Map.of("course_id", id(), "title", "outside the window"));
        await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(logged(List.of(first, other, second))).isEqualTo(3));
        String window = "since=" + at(1) + "&until=" + at(10);

        JsonNode page1 = http.get("/domain-events?type=course.*&limit=1&" + window).json();
        JsonNode page2 = http.get("/domain-events?type=course.*&limit=1&after=" + page1.get("next_after").asLong() + "&" + window).json();
        JsonNode page3 = http.get("/domain-events?type=course.*&limit=1&after=" + page2.get("next_after").asLong() + "&" + window).json();
        JsonNode all = http.get("/domain-events?" + window).json();

        assertThat(page1.get("events")).hasSize(1);
        assertThat(page1.at("/events/0/event_id").asText()).isEqualTo(first);
        assertThat(page1.at("/events/0/event_type").asText()).isEqualTo("course.created");
        assertThat(page1.at("/events/0/data/title").asText()).isEqualTo("first");
        assertThat(page1.at("/events/0/occurred_at").asText()).isEqualTo(at(1));
        assertThat(page2.at("/events/0/event_id").asText()).isEqualTo(second);
        assertThat(page3.get("events")).isEmpty();
        assertThat(page3.get("next_after").isNull()).isTrue();
        assertThat(all.get("events").findValuesAsText("event_id")).containsExactly(first, other, second);
        assertThat(all.get("next_after").isNull()).isTrue();
    }

    @Test
    void badQueryParametersAreRefusedNamingThem() {
        var since = http.get("/domain-events?since=yesterday");
        var limit = http.get("/domain-events?limit=0");
        var type = http.get("/domain-events?type=course.**");

        assertThat(since.status()).isEqualTo(400);
        assertThat(since.contentType()).isEqualTo("application/problem+json");
        assertThat(since.json().at("/errors/0/field").asText()).isEqualTo("since");
        assertThat(limit.json().at("/errors/0/field").asText()).isEqualTo("limit");
        assertThat(type.json().at("/errors/0/field").asText()).isEqualTo("type");
    }

    @Test
    void replayOfARangeReachesANewlyBoundQueueAndLeavesWhatWasDoneAsItWas() throws Exception {
        long user = id();
        long course = id();
        List<String> events = List.of(
                publish("user.registered", 0, Map.of("user_id", user, "email", "replay-" + user + "@knowledgenest.test", "name", "R")),
                publish("course.created", 1, Map.of("course_id", course, "title", "Replays")),
                publish("course.enrolled", 2, Map.of("enrollment_id", id(), "user_id", user, "course_id", course, "course_title", "Replays")),
                publish("review.created", 3, review(id(), course, 3)));
        await().atMost(HANDLED_WITHIN).untilAsserted(() -> {
            assertThat(logged(events)).isEqualTo(4);
            assertThat(rating(course)).isNotNull();
            assertThat(notifications(events)).hasSize(3);
        });
        List<Map<String, Object>> notificationsBefore = notifications(events);

        // a new consumer binds after the fact, by pattern, as a seed client would with queue_bind
        String catchUp = "learning_test.catch-up-" + UUID.randomUUID();
        Broker.bind(catchUp, EXCHANGE, "course.*");
        try {
            var replay = http.postJson("/domain-events/replay", Map.of("since", at(0), "until", at(60)));

            assertThat(replay.status()).as(replay.text()).isEqualTo(200);
            assertThat(replay.json().get("replayed").asInt()).isEqualTo(4);
            assertThat(replay.json().get("next_after").isNull()).isTrue();
            await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(Broker.depth(catchUp)).isEqualTo(2));
            List<Broker.Received> caughtUp = Broker.drain(catchUp);
            assertThat(caughtUp).extracting(m -> m.properties().getMessageId()).containsExactly(events.get(1), events.get(2));
            assertThat(caughtUp).allSatisfy(m -> assertThat(m.header(LearningEvents.H_REPLAY)).isEqualTo("true"));
            assertThat(json.readTree(caughtUp.get(0).body()).get("event_id").asText()).isEqualTo(events.get(1));
            assertThat(json.readTree(caughtUp.get(0).body()).at("/data/title").asText()).isEqualTo("Replays");

            long markerCourse = id();
            publish("review.created", 4, review(id(), markerCourse, 1));
            await().atMost(HANDLED_WITHIN).untilAsserted(() -> assertThat(rating(markerCourse)).isNotNull());
            assertThat(rating(course)).containsEntry("review_count", 1).containsEntry("rating_sum", 3L);
            assertThat(notifications(events)).isEqualTo(notificationsBefore);
            assertThat(logged(events)).isEqualTo(4);
        } finally {
            Broker.delete(catchUp);
        }
    }

    @Test
    void anInvalidEventIsRefusedNamingTheFieldAndNothingIsPublished() throws Exception {
        camel.getRouteController().stopRoute("learning-events.consume-log");
        try {
            Broker.purge(EVENT_LOG);

            var noEmail = http.postJson("/domain-events", envelope(null, "user.registered", 0, Map.of("user_id", id(), "name", "N")));
            var badRating = http.postJson("/domain-events", envelope(null, "review.created", 0, review(id(), id(), 9)));
            var noData = http.post("/domain-events", "{\"event_type\": \"course.created\", \"timestamp\": \"2024-01-15T10:30:00\"}");
            var badTimestamp = http.post("/domain-events",
                    "{\"event_type\": \"custom.event\", \"timestamp\": \"2024-13-45T10:30:00\", \"data\": {}}");
            var notJson = http.post("/domain-events", "user.registered please");

            assertThat(noEmail.status()).isEqualTo(400);
            assertThat(noEmail.contentType()).isEqualTo("application/problem+json");
            assertThat(noEmail.json().at("/errors/0/field").asText()).isEqualTo("data.email");
            assertThat(badRating.json().at("/errors/0/field").asText()).isEqualTo("data.rating");
            assertThat(noData.json().at("/errors/0/field").asText()).isEqualTo("data");
            assertThat(badTimestamp.status()).isEqualTo(400);
            assertThat(badTimestamp.json().at("/errors/0/field").asText()).isEqualTo("timestamp");
            assertThat(notJson.json().at("/errors/0/field").asText()).isEqualTo("body");
            assertThat(Broker.depth(EVENT_LOG)).isZero();

            // the same probe sees a publish when there is one
            assertThat(http.postJson("/domain-events", envelope(null, "custom.event", 0, Map.of())).status()).isEqualTo(202);
            assertThat(Broker.depth(EVENT_LOG)).isEqualTo(1);
        } finally {
            camel.getRouteController().startRoute("learning-events.consume-log");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Posts an event occurring at base + {@code minute} and returns its event id. */
    private String publish(String type, int minute, Map<String, Object> data) {
        var response = http.postJson("/domain-events", envelope(null, type, minute, data));
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        assertThat(response.header("Caravan-Accepted-Via")).isEqualTo("broker");
        return response.json().get("event_id").asText();
    }

    private Map<String, Object> envelope(String eventId, String type, int minute, Map<String, Object> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        if (eventId != null) {
            envelope.put("event_id", eventId);
        }
        envelope.put("event_type", type);
        envelope.put("timestamp", SEED_TIMESTAMP.format(base.plus(minute, ChronoUnit.MINUTES)));
        envelope.put("data", data);
        return envelope;
    }

    private String at(int minute) {
        return base.plus(minute, ChronoUnit.MINUTES).toString();
    }

    private static Map<String, Object> review(long reviewId, long course, int rating) {
        return Map.of("review_id", reviewId, "user_id", 7, "course_id", course, "rating", rating, "has_comment", false);
    }

    private static long id() {
        return ThreadLocalRandom.current().nextLong(1, 1L << 53);
    }

    private Map<String, Object> notification(String eventId, String kind) {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT recipient, subject, body, user_id, course_id, emailed_at "
                + "FROM learning_notifications WHERE event_id = ? AND kind = ?", eventId, kind);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private List<Map<String, Object>> notifications(List<String> eventIds) {
        return jdbc.queryForList("SELECT event_id, kind, recipient, subject, created_at, emailed_at FROM learning_notifications "
                + "WHERE event_id = ANY (?) ORDER BY event_id, kind", (Object) eventIds.toArray(String[]::new));
    }

    private Map<String, Object> rating(long course) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT review_count, rating_sum, average_rating FROM course_ratings WHERE course_id = ?", course);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private long logged(List<String> eventIds) {
        return jdbc.queryForObject("SELECT count(*) FROM learning_event_log WHERE event_id = ANY (?)", Long.class,
                (Object) eventIds.toArray(String[]::new));
    }
}
