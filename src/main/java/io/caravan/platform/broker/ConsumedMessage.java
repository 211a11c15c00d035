package io.caravan.platform.broker;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * One message of a batch handed to a flow's batch sink ({@code durable-consumer}'s {@code batchSink}): the
 * message's identity as the transport tells it (as the exchange properties {@link DurableConsumerTemplate#MESSAGE_ID}
 * and {@link DurableConsumerTemplate#MESSAGE_TIME} tell a per-message sink) and its parsed JSON body.
 *
 * <p>A batch sink gets a {@code List<ConsumedMessage>} as its body, already validated and checked as storable, and
 * stores them all in one transaction, idempotent by id; if it throws, the consumer hands each message of the batch
 * to the flow's per-message {@code sink}, so that a poison message is parked alone and its neighbours are stored.
 *
 * @param id         the message's id (AMQP message id, else a name-based UUID of its bytes), never null
 * @param time       the message's time (AMQP timestamp, else when it was received), never null
 * @param body       the parsed message, usually a {@code Map<String, Object>}
 * @param routingKey the routing key the message was published with ({@link ConsumedMessages#routingKey}: the
 *                   original one for a message replayed from a dead-letter queue), null when not known
 */
public record ConsumedMessage(String id, Date time, Object body, String routingKey) {

    /** A message whose routing key is not known (a sink that stores the routing key then cannot take it in a batch). */
    public ConsumedMessage(String id, Date time, Object body) {
        this(id, time, body, null);
    }

    /** How a flow's sink turns one message (its parsed body, id and time) into the row it stores. */
    @FunctionalInterface
    public interface RowBuilder {
        Map<String, Object> row(Map<String, Object> body, String id, Date time);
    }

    /** The rows for a batch, one per message, each as the per-message sink builds it, so both store the same rows. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> rows(List<ConsumedMessage> batch, RowBuilder builder) {
        List<Map<String, Object>> rows = new ArrayList<>(batch.size());
        for (ConsumedMessage message : batch) {
            rows.add(builder.row((Map<String, Object>) message.body(), message.id(), message.time()));
        }
        return rows;
    }
}
