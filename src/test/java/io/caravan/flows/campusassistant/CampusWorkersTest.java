package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.caravan.CaravanApplication;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.TestNeo4j;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Workers by type (seed 003's {@code message_worker.py --type notification}) and the exchanges' routing,
 * on an instance with {@code caravan.workers=notification}. Its exchanges and queues have names of
 * their own, so the other test instances' consumers never take its messages.
 */
@DirtiesContext
class CampusWorkersTest extends CaravanTest {

    static final String SUFFIX = ".workers-test";
    static final String CHAT_EXCHANGE = "chat_exchange" + SUFFIX;
    static final String SYSTEM_EXCHANGE = "system_exchange" + SUFFIX;
    static final String CHAT_MESSAGES = "chat_messages" + SUFFIX;
    static final String CLASS_PREFERENCES = "class_preferences" + SUFFIX;
    static final String NOTIFICATIONS = "notifications" + SUFFIX;

    @DynamicPropertySource
    static void onlyTheNotificationWorker(DynamicPropertyRegistry registry) throws Exception {
        for (String queue : new String[] {CHAT_MESSAGES, CLASS_PREFERENCES, NOTIFICATIONS, "chat_history" + SUFFIX}) {
            Broker.delete(queue); // a previous run's queue may hold messages
        }
        registry.add("caravan.workers", () -> "notification");
        registry.add("caravan.broker.exchanges.campus-chat.name", () -> CHAT_EXCHANGE);
        registry.add("caravan.broker.exchanges.campus-system.name", () -> SYSTEM_EXCHANGE);
        registry.add("caravan.broker.queues.campus-chat-messages.name", () -> CHAT_MESSAGES);
        registry.add("caravan.broker.queues.campus-class-preferences.name", () -> CLASS_PREFERENCES);
        registry.add("caravan.broker.queues.campus-notifications.name", () -> NOTIFICATIONS);
        registry.add("caravan.broker.queues.chat-history.name", () -> "chat_history" + SUFFIX);
    }

    @Autowired
    CamelContext camel;
    @Autowired
    JdbcTemplate jdbc;

    int student;

    @BeforeEach
    void setUp() throws Exception {
        student = ThreadLocalRandom.current().nextInt(100_000_000, Integer.MAX_VALUE);
        Broker.purge(CHAT_MESSAGES);
        Broker.purge(CLASS_PREFERENCES);
    }

    @Test
    void onlyTheNotificationConsumerRuns() throws Exception {
        assertThat(status("campus-assistant.consume-notifications")).isEqualTo(ServiceStatus.Started);
        assertThat(status("campus-assistant.consume-chat-messages")).isEqualTo(ServiceStatus.Stopped);
        assertThat(status("campus-assistant.consume-class-preferences")).isEqualTo(ServiceStatus.Stopped);
        assertThat(status("chat-history.consume")).isEqualTo(ServiceStatus.Stopped);
        assertThat(status("campus-assistant.chat-message")).as("the API still runs").isEqualTo(ServiceStatus.Started);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Broker.consumers(NOTIFICATIONS)).isEqualTo(1));
        assertThat(Broker.consumers(CHAT_MESSAGES)).isZero();
        assertThat(Broker.consumers(CLASS_PREFERENCES)).isZero();
    }

    @Test
    void anInstanceWithOnlyTheNotificationWorkerLogsNotificationsAndLeavesTheRestQueued() throws Exception {
        publish(CHAT_EXCHANGE, "chat.message.greeting", """
                {"student_id": %d, "message": "hi", "response": "hello", "intent": "greeting"}""".formatted(student));
        publish(CHAT_EXCHANGE, "chat.preferences.complete", """
                {"student_id": %d, "preferences": {"time_period": "morning"}, "step": "complete"}""".formatted(student));
        publish(SYSTEM_EXCHANGE, "notification", """
                {"student_id": %d, "notification_type": "reminder", "title": "t", "content": "c"}""".formatted(student));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(count("notification_logs")).isEqualTo(1));
        assertThat(Broker.depth(CHAT_MESSAGES)).isEqualTo(1);
        assertThat(Broker.depth(CLASS_PREFERENCES)).isEqualTo(1);
        assertThat(count("chat_message_logs")).isZero();
        assertThat(count("class_preference_logs")).isZero();
    }

    @Test
    void routingKeysReachTheirQueueAndNothingElse() throws Exception {
        camel.getRouteController().stopRoute("campus-assistant.consume-notifications");
        try {
            Broker.purge(NOTIFICATIONS);

            publish(CHAT_EXCHANGE, "chat.message.class_registration_suggestion", "{}");
            publish(CHAT_EXCHANGE, "chat.message.smalltalk", "{}");
            publish(CHAT_EXCHANGE, "chat.message.two.words", "{}");   // '*' is one word: no queue
            publish(CHAT_EXCHANGE, "notification", "{}");             // the system exchange's key, on the chat exchange
            publish(SYSTEM_EXCHANGE, "chat.message.greeting", "{}");  // a chat key on the system exchange

            assertThat(Broker.depth(CHAT_MESSAGES)).isEqualTo(2);
            assertThat(Broker.depth(CLASS_PREFERENCES)).isZero();
            assertThat(Broker.depth(NOTIFICATIONS)).isZero();

            publish(CHAT_EXCHANGE, "chat.preferences.complete", "{}");
            publish(SYSTEM_EXCHANGE, "notification", "{}");

            assertThat(Broker.depth(CLASS_PREFERENCES)).isEqualTo(1);
            assertThat(Broker.depth(NOTIFICATIONS)).isEqualTo(1);
            assertThat(Broker.depth(CHAT_MESSAGES)).isEqualTo(2);
            Broker.purge(NOTIFICATIONS); // "{}" is no notification: don't hand it to the worker
        } finally {
            camel.getRouteController().startRoute("campus-assistant.consume-notifications");
        }
    }

    @Test
    void aWorkerTypeNoConsumerDeclaresStopsStartUp() {
        // as command-line arguments: they outrank application.yaml (builder properties would not)
        assertThatThrownBy(() -> new SpringApplicationBuilder(CaravanApplication.class)
                .run("--server.port=0",
                        "--spring.datasource.url=" + System.getenv().getOrDefault("TEST_DB_URL",
                                "jdbc:postgresql://127.0.0.1:5432/caravan_test"),
                        "--spring.neo4j.uri=" + TestNeo4j.boltUri(),
                        "--camel.main.routes-reload-enabled=false",
                        "--caravan.workers=notification,prefrence",
                        "--caravan.broker.queues.chat-history.name=chat_history" + SUFFIX,
                        "--caravan.broker.queues.campus-chat-messages.name=" + CHAT_MESSAGES,
                        "--caravan.broker.queues.campus-class-preferences.name=" + CLASS_PREFERENCES,
                        "--caravan.broker.queues.campus-notifications.name=" + NOTIFICATIONS,
                        "--caravan.broker.exchanges.campus-chat.name=" + CHAT_EXCHANGE,
                        "--caravan.broker.exchanges.campus-system.name=" + SYSTEM_EXCHANGE)
                .close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[prefrence]")
                .hasMessageContaining("preference");
    }

    private ServiceStatus status(String routeId) {
        return camel.getRouteController().getRouteStatus(routeId);
    }

    private long count(String table) {
        return jdbc.queryForObject("SELECT count(*) FROM " + table + " WHERE student_id = ?", Long.class, student);
    }

    private static void publish(String exchange, String routingKey, String body) throws Exception {
        Broker.publish(exchange, routingKey, body.getBytes(StandardCharsets.UTF_8), Broker.json(null));
    }
}
