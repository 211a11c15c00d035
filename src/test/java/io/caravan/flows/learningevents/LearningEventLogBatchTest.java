package io.caravan.flows.learningevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.ConsumedMessages;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.CaravanTest;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The event log's batch sink {@code direct:learning-events.log-batch}: a batch of consumed events is stored in one
 * transaction with exactly the rows the per-message sink {@code direct:learning-events.log} stores, once.
 * Each test uses its own event ids, so the table may hold other rows.
 */
class LearningEventLogBatchTest extends CaravanTest {

    static final String ROW = "SELECT event_id, event_type, routing_key, occurred_at, CAST(envelope AS text) AS envelope"
            + " FROM learning_event_log WHERE event_id IN (:ids) ORDER BY event_id";

    @Autowired
    ProducerTemplate producer;
    @Autowired
    NamedParameterJdbcTemplate jdbc;

    @Test
    void aBatchStoresTheRowsThePerMessageSinkStores() {
        List<Delivery> deliveries = List.of(
                // Caravan's own event: its event_id wins over the message id
                new Delivery(event("course.created", "own-" + UUID.randomUUID()), "course.created", null),
                // a publisher's event without an id: the message id is the event id
                new Delivery(event("user.registered", null), "user.registered", null),
                // replayed from a dead-letter queue straight to the queue: the original routing key is logged
                new Delivery(event("review.created", null), "learning-event-log", "review.created"));
        List<ConsumedMessage> batch = deliveries.stream().map(Delivery::message).toList();
        List<String> ids = eventIds(batch);

        for (Delivery delivery : deliveries) {
            producer.send("direct:learning-events.log", exchange -> {
                exchange.getMessage().setBody(new LinkedHashMap<>(delivery.event()));
                exchange.getMessage().setHeader(SpringRabbitMQConstants.ROUTING_KEY, delivery.routingKey());
                exchange.getMessage().setHeader(DeadLetters.H_ORIGINAL_ROUTING_KEY, delivery.originalRoutingKey());
                exchange.setProperty("caravanMessageId", delivery.message().id());
                exchange.setProperty("caravanMessageTime", delivery.message().time());
            });
        }
        List<Map<String, Object>> perMessage = rows(ids);
        assertThat(perMessage).hasSize(3);
        jdbc.update("DELETE FROM learning_event_log WHERE event_id IN (:ids)", Map.of("ids", ids));

        producer.sendBody("direct:learning-events.log-batch", batch);

        assertThat(rows(ids)).isEqualTo(perMessage);
        assertThat(perMessage).extracting(row -> row.get("routing_key"))
                .containsExactlyInAnyOrder("course.created", "user.registered", "review.created");
    }

    @Test
    void theSameBatchAgainStoresNothingTwice() {
        List<ConsumedMessage> batch = List.of(message(event("course.created", null), "course.created", null),
                message(event("course.enrolled", null), "course.enrolled", null));
        producer.sendBody("direct:learning-events.log-batch", batch);
        List<Map<String, Object>> first = seqs(eventIds(batch));

        producer.sendBody("direct:learning-events.log-batch", batch);

        assertThat(seqs(eventIds(batch))).hasSize(2).isEqualTo(first);
    }

    @Test
    void aRowTheTableRefusesFailsTheWholeBatch() {
        Map<String, Object> noType = event("course.created", null);
        noType.put("event_type", null); // event_type is NOT NULL
        List<ConsumedMessage> batch = List.of(message(event("course.created", null), "course.created", null),
                message(event("user.registered", null), "user.registered", null),
                message(noType, "course.created", null));

        assertThatThrownBy(() -> producer.sendBody("direct:learning-events.log-batch", batch))
                .isInstanceOf(CamelExecutionException.class);

        assertThat(rows(eventIds(batch))).as("one transaction: none of the batch").isEmpty();
    }

    @Test
    void aBatchWhoseRoutingKeysAreNotKnownIsLeftToThePerMessageSink() {
        List<ConsumedMessage> batch = List.of(new ConsumedMessage(UUID.randomUUID().toString(), new Date(),
                event("course.created", null)));

        assertThatThrownBy(() -> producer.sendBody("direct:learning-events.log-batch", batch))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseInstanceOf(IllegalStateException.class);

        assertThat(rows(eventIds(batch))).isEmpty();
    }

    /** A message as the consumer hands it over: a fresh message id, the routing key as the consumer resolves it. */
    static ConsumedMessage message(Map<String, Object> event, String routingKey, String originalRoutingKey) {
        return new Delivery(event, routingKey, originalRoutingKey).message();
    }

    /** One delivery of an event: the batch sink's message and the headers the per-message sink reads. */
    record Delivery(Map<String, Object> event, String routingKey, String originalRoutingKey, ConsumedMessage message) {
        Delivery(Map<String, Object> event, String routingKey, String originalRoutingKey) {
            this(event, routingKey, originalRoutingKey, new ConsumedMessage(UUID.randomUUID().toString(), new Date(), event,
                    ConsumedMessages.routingKey(originalRoutingKey, routingKey)));
        }
    }

    static Map<String, Object> event(String type, String eventId) {
        Map<String, Object> event = new HashMap<>();
        if (eventId != null) {
            event.put("event_id", eventId);
        }
        event.put("event_type", type);
        event.put("timestamp", "2026-01-02T03:04:05.678901");
        event.put("data", Map.of("course_id", 7, "title", "Batches"));
        return event;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> body(ConsumedMessage message) {
        return (Map<String, Object>) message.body();
    }

    static List<String> eventIds(List<ConsumedMessage> batch) {
        List<String> ids = new ArrayList<>();
        for (ConsumedMessage message : batch) {
            Object own = body(message).get("event_id");
            ids.add(own == null ? message.id() : own.toString());
        }
        return ids;
    }

    List<Map<String, Object>> rows(List<String> ids) {
        return jdbc.queryForList(ROW, Map.of("ids", ids));
    }

    List<Map<String, Object>> seqs(List<String> ids) {
        return jdbc.queryForList("SELECT event_id, seq, logged_at FROM learning_event_log WHERE event_id IN (:ids) ORDER BY event_id",
                Map.of("ids", ids));
    }
}
