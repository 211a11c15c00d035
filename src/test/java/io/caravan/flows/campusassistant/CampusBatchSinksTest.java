package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.support.CaravanTest;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The campus-assistant workers' batch sinks ({@code direct:campus-assistant.store-…-batch}): a batch of consumed
 * messages is stored in one transaction with exactly the rows the per-message sink stores, once. Each test uses its
 * own message ids, so the tables may hold other rows.
 */
class CampusBatchSinksTest extends CaravanTest {

    /** One log table, its per-message sink, and a message for it (from Caravan, or from a seed client). */
    enum Log {
        CHAT_MESSAGES("chat_message_logs", "store-chat-message", "message, response, intent, CAST(metadata AS text) AS metadata") {
            @Override
            Map<String, Object> message(int student, boolean seedClient) {
                Map<String, Object> message = base(student, seedClient);
                message.put("message", "Which rooms are free?");
                message.put("response", "Room 4 is free.");
                message.put("intent", "rooms");
                message.put("metadata", seedClient ? null : Map.of("step", 1, "tags", List.of("a")));
                return message;
            }

            @Override
            void refuse(Map<String, Object> message) {
                message.put("intent", "x".repeat(256)); // varchar(255)
            }
        },
        CLASS_PREFERENCES("class_preference_logs", "store-class-preferences", "CAST(preferences AS text) AS preferences, step") {
            @Override
            Map<String, Object> message(int student, boolean seedClient) {
                Map<String, Object> message = base(student, seedClient);
                message.put("preferences", Map.of("avoid_days", List.of("Saturday"), "max_per_day", 3));
                message.put("step", "complete");
                return message;
            }

            @Override
            void refuse(Map<String, Object> message) {
                message.put("step", "x".repeat(101)); // varchar(100)
            }
        },
        NOTIFICATIONS("notification_logs", "store-notification", "notification_type, title, content, CAST(metadata AS text) AS metadata") {
            @Override
            Map<String, Object> message(int student, boolean seedClient) {
                Map<String, Object> message = base(student, seedClient);
                message.put("notification_type", "reminder");
                message.put("title", "Class at 9");
                message.put("content", "Room 4, bring the slides.");
                message.put("metadata", Map.of("priority", "high"));
                return message;
            }

            @Override
            void refuse(Map<String, Object> message) {
                message.put("title", "x".repeat(501)); // varchar(500)
            }
        };

        final String table;
        final String step;
        final String columns;

        Log(String table, String step, String columns) {
            this.table = table;
            this.step = step;
            this.columns = columns;
        }

        abstract Map<String, Object> message(int student, boolean seedClient);

        /** Makes the message one its table refuses. */
        abstract void refuse(Map<String, Object> message);

        String sink() {
            return "direct:campus-assistant." + step;
        }

        String batchSink() {
            return sink() + "-batch";
        }

        /** Caravan's own message has an id and a timestamp; a seed client's may have neither (message id and time then count). */
        static Map<String, Object> base(int student, boolean seedClient) {
            Map<String, Object> message = new HashMap<>();
            message.put("student_id", seedClient ? String.valueOf(student) : student);
            if (!seedClient) {
                message.put("id", UUID.randomUUID().toString());
                message.put("timestamp", "2026-01-02T03:04:05.678901Z");
            }
            return message;
        }
    }

    @Autowired
    ProducerTemplate producer;
    @Autowired
    NamedParameterJdbcTemplate jdbc;

    final int student = ThreadLocalRandom.current().nextInt(100_000_000, Integer.MAX_VALUE);

    @ParameterizedTest
    @EnumSource(Log.class)
    void aBatchStoresTheRowsThePerMessageSinkStores(Log log) {
        List<ConsumedMessage> batch = List.of(message(log.message(student, false)), message(log.message(student, true)),
                message(log.message(student, true)));
        for (ConsumedMessage message : batch) {
            producer.send(log.sink(), exchange -> {
                exchange.getMessage().setBody(new LinkedHashMap<>(body(message)));
                exchange.setProperty("caravanMessageId", message.id());
                exchange.setProperty("caravanMessageTime", message.time());
            });
        }
        List<Map<String, Object>> perMessage = rows(log, batch);
        assertThat(perMessage).hasSize(3);
        jdbc.update("DELETE FROM " + log.table + " WHERE message_id IN (:ids)", Map.of("ids", messageIds(batch)));

        producer.sendBody(log.batchSink(), batch);

        assertThat(rows(log, batch)).isEqualTo(perMessage);
    }

    @ParameterizedTest
    @EnumSource(Log.class)
    void theSameBatchAgainStoresNothingTwice(Log log) {
        List<ConsumedMessage> batch = List.of(message(log.message(student, false)), message(log.message(student, true)));
        producer.sendBody(log.batchSink(), batch);
        List<Map<String, Object>> first = keys(log, batch);

        producer.sendBody(log.batchSink(), batch);

        assertThat(keys(log, batch)).hasSize(2).isEqualTo(first);
    }

    @ParameterizedTest
    @EnumSource(Log.class)
    void aMessageTwiceInOneBatchIsStoredOnce(Log log) {
        // a seed client's identical messages without an id get the same message id (a name-based UUID of the bytes)
        ConsumedMessage message = message(log.message(student, true));
        List<ConsumedMessage> batch = List.of(message, message(log.message(student, false)), message);

        producer.sendBody(log.batchSink(), batch);

        assertThat(keys(log, batch)).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(Log.class)
    void aRowTheTableRefusesFailsTheWholeBatch(Log log) {
        Map<String, Object> refused = log.message(student, false);
        log.refuse(refused);
        List<ConsumedMessage> batch = List.of(message(log.message(student, false)), message(log.message(student, true)),
                message(refused));

        assertThatThrownBy(() -> producer.sendBody(log.batchSink(), batch)).isInstanceOf(CamelExecutionException.class);

        assertThat(rows(log, batch)).as("one transaction: none of the batch").isEmpty();
    }

    static ConsumedMessage message(Map<String, Object> body) {
        return new ConsumedMessage(UUID.randomUUID().toString(), new Date(), body);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> body(ConsumedMessage message) {
        return (Map<String, Object>) message.body();
    }

    /** The row's message id: the message's own id, else the message id the transport gave it. */
    static List<String> messageIds(List<ConsumedMessage> batch) {
        List<String> ids = new ArrayList<>();
        for (ConsumedMessage message : batch) {
            Object own = body(message).get("id");
            ids.add(own == null ? message.id() : own.toString());
        }
        return ids;
    }

    List<Map<String, Object>> rows(Log log, List<ConsumedMessage> batch) {
        return jdbc.queryForList("SELECT message_id, student_id, " + log.columns + ", \"timestamp\" FROM " + log.table
                + " WHERE message_id IN (:ids) ORDER BY message_id", Map.of("ids", messageIds(batch)));
    }

    List<Map<String, Object>> keys(Log log, List<ConsumedMessage> batch) {
        return jdbc.queryForList("SELECT message_id, id, created_at FROM " + log.table + " WHERE message_id IN (:ids) ORDER BY message_id",
                Map.of("ids", messageIds(batch)));
    }
}
