package io.caravan.flows.learningevents;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.ConsumedMessages;
import io.caravan.platform.broker.PoisonMessageException;
import io.caravan.platform.rest.InvalidRequestException;
import io.caravan.platform.rest.RequestParameters;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.stereotype.Component;

/**
 * The learning-events flow's message (seed 004): the envelope {@code {event_id, event_type, timestamp, data}}.
 *
 * <p>Every event has an id that every handler keys its writes by: the caller's {@code event_id}, else
 * (from a publisher straight to the exchange) the AMQP message id, else a name-based UUID of the
 * message bytes, so that a redelivery or a replay is recognised. {@link #accept} gives an event its id
 * at the REST door; {@link #received} reads one off a queue; {@link #asReplay} turns a logged event back
 * into a message.
 */
@Component("learningEvents")
public class LearningEvents {

    /** Header on a replayed message: {@code true}. */
    public static final String H_REPLAY = "x-caravan-replay";
    /** Header on a replayed message: when the replay was asked for. */
    public static final String H_REPLAYED_AT = "x-caravan-replayed-at";
    /** Header on a replayed message: the event's position in the event log. */
    public static final String H_LOG_SEQ = "x-caravan-log-seq";

    private final ObjectMapper json;

    public LearningEvents(ObjectMapper json) {
        this.json = json;
    }

    /** The envelope as posted (schema-valid), with its event id: the caller's or a new one. */
    public Map<String, Object> accept(Map<String, Object> posted) {
        if (RequestParameters.parseDateTime(String.valueOf(posted.get("timestamp"))) == null) {
            throw new InvalidRequestException("timestamp", "not a valid ISO-8601 date-time: " + posted.get("timestamp"));
        }
        Map<String, Object> event = new LinkedHashMap<>();
        Object given = posted.get("event_id");
        event.put("event_id", given == null ? UUID.randomUUID().toString() : given.toString());
        posted.forEach((key, value) -> event.putIfAbsent(key, value));
        return event;
    }

    /** What the publisher of {@code POST /domain-events} gets back. */
    public Map<String, Object> answer(Map<String, Object> event, String acceptedVia) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("event_id", event.get("event_id"));
        answer.put("event_type", event.get("event_type"));
        answer.put("accepted_via", acceptedVia);
        return answer;
    }

    /** A consumed event as the {@code durable-consumer} template hands it over, with its message id resolved. */
    public Map<String, Object> received(Map<String, Object> envelope, String messageId, Object replayHeader) {
        return received(envelope, messageId, null, replayHeader);
    }

    /**
     * A consumed event, ready for a handler or the log: {@code event_id}, {@code event_type},
     * {@code occurred_at} (UTC), {@code data}, {@code replay} and {@code envelope} (the JSON to log,
     * with the event id in it).
     *
     * @param envelope      the parsed, schema-valid message
     * @param amqpMessageId the AMQP message-id property, may be null
     * @param raw           the message body as it arrived
     * @param replayHeader  the {@value #H_REPLAY} header, may be null
     */
    public Map<String, Object> received(Map<String, Object> envelope, String amqpMessageId, byte[] raw, Object replayHeader) {
        String eventId = ConsumedMessages.id(envelope.get("event_id"), amqpMessageId, raw);
        OffsetDateTime occurredAt = RequestParameters.parseDateTime(String.valueOf(envelope.get("timestamp")));
        if (occurredAt == null) {
            throw new PoisonMessageException("timestamp: not a valid ISO-8601 date-time: " + envelope.get("timestamp"));
        }
        Map<String, Object> logged = new LinkedHashMap<>();
        logged.put("event_id", eventId);
        envelope.forEach((key, value) -> logged.putIfAbsent(key, value));

        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event_id", eventId);
        event.put("event_type", envelope.get("event_type"));
        event.put("occurred_at", occurredAt.withOffsetSameInstant(ZoneOffset.UTC));
        event.put("data", envelope.get("data"));
        event.put("replay", replayHeader != null && Boolean.parseBoolean(replayHeader.toString()));
        event.put("envelope", write(logged));
        return event;
    }

    /**
     * The event log's rows for a batch of consumed events ({@code learning-events.log-batch}): for each, the
     * event as {@link #received(Map, String, Object)} makes it for {@code learning-events.log} plus its
     * {@code routing_key}, so that the batch stores exactly the rows the per-message sink would.
     *
     * @throws IllegalStateException if a message's routing key is not known (the per-message sink then stores it)
     */
    public List<Map<String, Object>> logRows(List<ConsumedMessage> batch) {
        List<Map<String, Object>> rows = new ArrayList<>(batch.size());
        for (ConsumedMessage message : batch) {
            if (message.routingKey() == null) {
                throw new IllegalStateException("event " + message.id() + ": routing key not known, the log needs it");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> row = received((Map<String, Object>) message.body(), message.id(), null);
            row.put("routing_key", message.routingKey());
            rows.add(row);
        }
        return rows;
    }

    /**
     * A logged event as a message to publish again: the logged envelope, its event id as message id,
     * persistent JSON, marked with {@value #H_REPLAY}.
     *
     * @param row a row of the event log: {@code seq}, {@code event_id}, {@code envelope} (JSON text)
     */
    public Message asReplay(Map<String, Object> row, String replayedAt) {
        return MessageBuilder.withBody(String.valueOf(row.get("envelope")).getBytes(StandardCharsets.UTF_8))
                .setContentType(MessageProperties.CONTENT_TYPE_JSON)
                .setContentEncoding(StandardCharsets.UTF_8.name())
                .setMessageId(String.valueOf(row.get("event_id")))
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .setHeader(H_REPLAY, true)
                .setHeader(H_REPLAYED_AT, replayedAt)
                .setHeader(H_LOG_SEQ, ((Number) row.get("seq")).longValue())
                .build();
    }

    /** Now, as the replay time stamp of one replay request. */
    public String now() {
        return Instant.now().toString();
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event cannot be written as JSON", e);
        }
    }
}
