package io.caravan.flows.learningevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What an operator adds to application.yaml for the learning-events flow, and what follows: an SMTP
 * endpoint (an in-process GreenMail server) makes notifications go out as e-mail, once each; a queue
 * with a binding pattern receives the matching events without any publisher changing. This Caravan
 * has its own notification queue, so that its consumer is the one that handles these tests' events.
 */
@DirtiesContext
class LearningEventsSettingsTest extends CaravanTest {

    static final GreenMail SMTP = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    static final String NOTIFICATIONS = "knowledge_nest_events.notifications.settings-test";
    static final String COURSE_WATCH = "learning_test.course-watch";
    static final String NEW_COURSES_TO = "new-courses@knowledgenest.test";
    static final DateTimeFormatter SEED_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    @DynamicPropertySource
    static void operatorSettings(DynamicPropertyRegistry registry) throws Exception {
        // this class's queues live only while it runs: left over from an earlier run, they go, and the
        // broker drops them a minute after this Caravan stops consuming (x-expires)
        Broker.delete(NOTIFICATIONS);
        Broker.delete(COURSE_WATCH);
        registry.add("caravan.broker.queues.learning-notifications.arguments.x-expires", () -> "60000");
        registry.add("caravan.broker.queues.course-watch.arguments.x-expires", () -> "60000");
        SMTP.start();
        registry.add("caravan.learning-events.mail.endpoint", () -> "smtp://127.0.0.1:" + SMTP.getSmtp().getPort());
        registry.add("caravan.learning-events.mail.new-courses-to", () -> NEW_COURSES_TO);
        registry.add("caravan.broker.queues.learning-notifications.name", () -> NOTIFICATIONS);
        // a new consumer's queue, bound by pattern, as data
        registry.add("caravan.broker.queues.course-watch.name", () -> COURSE_WATCH);
        registry.add("caravan.broker.queues.course-watch.bindings[0].exchange", () -> "knowledge_nest_events");
        registry.add("caravan.broker.queues.course-watch.bindings[0].routing-key", () -> "course.*");
    }

    @AfterAll
    static void stopSmtp() {
        SMTP.stop();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;

    Http http;

    @BeforeEach
    void setUp() throws Exception {
        http = new Http(port);
        Broker.purge(COURSE_WATCH);
    }

    @Test
    void notificationsAreEmailedWhenSmtpIsConfigured() {
        long user = id();
        long course = id();
        String email = "mailed-" + user + "@knowledgenest.test";

        String welcome = publish("user.registered", Map.of("user_id", user, "email", email, "name", "Grace"));
        String created = publish("course.created", Map.of("course_id", course, "title", "Mail in Action"));
        String enrolled = publish("course.enrolled", Map.of("enrollment_id", id(), "user_id", user, "course_id", course,
                "course_title", "Mail in Action"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(mailsTo(email)).hasSize(2);
            assertThat(mailsTo(NEW_COURSES_TO)).extracting(DomainMail::subject).contains("New course: Mail in Action");
        });
        assertThat(mailsTo(email)).extracting(DomainMail::subject)
                .containsExactly("Welcome to KnowledgeNest, Grace!", "You are enrolled in Mail in Action");
        assertThat(mailsTo(email).get(0).from()).contains("no-reply@knowledgenest.local");
        assertThat(mailsTo(email).get(0).body()).contains("Hi Grace");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "SELECT count(*) FROM learning_notifications WHERE event_id IN (?, ?, ?) AND emailed_at IS NOT NULL",
                Long.class, welcome, created, enrolled)).isEqualTo(3));
    }

    @Test
    void aRedeliveredOrReplayedEventIsNotMailedAgain() throws Exception {
        long user = id();
        String email = "once-" + user + "@knowledgenest.test";
        Instant at = uniqueSecond();
        Map<String, Object> registration = envelope(null, "user.registered", at, Map.of("user_id", user, "email", email, "name", "Once"));
        String eventId = publish(registration);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mailsTo(email)).hasSize(1));

        Map<String, Object> again = new LinkedHashMap<>(registration);
        again.put("event_id", eventId);
        Broker.publish("knowledge_nest_events", "user.registered", json.writeValueAsBytes(again), Broker.json(eventId));
        var replay = http.postJson("/domain-events/replay", Map.of("type", "user.registered", "since", at.toString(),
                "until", at.plusSeconds(1).toString()));
        assertThat(replay.status()).as(replay.text()).isEqualTo(200);
        assertThat(replay.json().get("replayed").asInt()).isEqualTo(1);
        String marker = "marker-" + user + "@knowledgenest.test";
        publish("user.registered", Map.of("user_id", id(), "email", marker, "name", "Marker"));

        // the marker went to the same single-consumer queue after the redelivery and the replay
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mailsTo(marker)).hasSize(1));
        assertThat(mailsTo(email)).hasSize(1);
    }

    @Test
    void aReplayNeverMailsEvenWhatWasNotMailedBefore() throws Exception {
        long user = id();
        String email = "late-" + user + "@knowledgenest.test";
        Instant at = uniqueSecond();
        // the enrollment comes before the registration: recorded, with no address to mail it to
        String enrolled = publish(envelope(null, "course.enrolled", at, Map.of("enrollment_id", id(), "user_id", user,
                "course_id", id(), "course_title", "Late")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "SELECT recipient FROM learning_notifications WHERE event_id = ?", enrolled)).hasSize(1));
        publish("user.registered", Map.of("user_id", user, "email", email, "name", "Late"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mailsTo(email)).hasSize(1));

        var replay = http.postJson("/domain-events/replay", Map.of("type", "course.enrolled", "since", at.toString(),
                "until", at.plusSeconds(1).toString()));
        assertThat(replay.json().get("replayed").asInt()).as(replay.text()).isEqualTo(1);
        String marker = "marker-" + user + "@knowledgenest.test";
        publish("user.registered", Map.of("user_id", id(), "email", marker, "name", "Marker"));

        // the replayed enrollment now finds the address, but a replay does not mail
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mailsTo(marker)).hasSize(1));
        assertThat(mailsTo(email)).extracting(DomainMail::subject).containsExactly("Welcome to KnowledgeNest, Late!");
        assertThat(jdbc.queryForMap("SELECT recipient, emailed_at FROM learning_notifications WHERE event_id = ?", enrolled))
                .containsEntry("recipient", null).containsEntry("emailed_at", null);
    }

    @Test
    void aQueueBoundByPatternInTheSettingsReceivesTheMatchingEvents() throws Exception {
        String created = publish("course.created", Map.of("course_id", id(), "title", "Bindings as data"));
        publish("user.registered", Map.of("user_id", id(), "email", "bound-" + id() + "@knowledgenest.test", "name", "B"));
        String enrolled = publish("course.enrolled", Map.of("enrollment_id", id(), "user_id", id(), "course_id", id(),
                "course_title", "Bindings as data"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Broker.depth(COURSE_WATCH)).isEqualTo(2));
        assertThat(Broker.drain(COURSE_WATCH)).extracting(m -> m.properties().getMessageId()).containsExactly(created, enrolled);
    }

    // ---------------------------------------------------------------------------------------------

    record DomainMail(String subject, String from, String body) { }

    private static List<DomainMail> mailsTo(String address) {
        return Arrays.stream(SMTP.getReceivedMessages())
                .filter(m -> recipients(m).contains(address))
                .map(m -> {
                    try {
                        return new DomainMail(m.getSubject(), String.valueOf(Arrays.asList(m.getFrom())), GreenMailUtil.getBody(m));
                    } catch (MessagingException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    private static String recipients(MimeMessage message) {
        try {
            return String.valueOf(Arrays.asList(message.getRecipients(Message.RecipientType.TO)));
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String publish(String type, Map<String, Object> data) {
        return publish(envelope(null, type, Instant.now(), data));
    }

    private String publish(Map<String, Object> envelope) {
        var response = http.postJson("/domain-events", envelope);
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return response.json().get("event_id").asText();
    }

    private static Map<String, Object> envelope(String eventId, String type, Instant at, Map<String, Object> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        if (eventId != null) {
            envelope.put("event_id", eventId);
        }
        envelope.put("event_type", type);
        envelope.put("timestamp", SEED_TIMESTAMP.format(at));
        envelope.put("data", data);
        return envelope;
    }

    /** A second of its own in the past, so that a replay of it selects this test's event alone. */
    private static Instant uniqueSecond() {
        return Instant.parse("2039-01-01T00:00:00Z").plusSeconds(ThreadLocalRandom.current().nextLong(0, 365L * 24 * 3600));
    }

    private static long id() {
        return ThreadLocalRandom.current().nextLong(1, 1L << 53);
    }
}
