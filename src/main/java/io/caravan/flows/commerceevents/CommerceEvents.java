package io.caravan.flows.commerceevents;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.PoisonMessageException;
import io.caravan.platform.rest.ForbiddenException;
import io.caravan.platform.rest.InvalidRequestException;
import io.caravan.platform.security.Caller;
import org.springframework.stereotype.Component;

/**
 * Shapes the commerce-events flow's messages (seed 002).
 *
 * <p>At the door ({@link #accept}, {@link #acceptAll}) a schema-valid request becomes the message
 * published to the fanout exchange: the seed's fields {@code user_id, product_id, event_type,
 * user_session} as the client sent them, plus {@code event_id} (the caller's, or a new UUID) and
 * {@code timestamp} (the caller's, or the time of acceptance, as ISO-8601), and {@code category} and
 * {@code price} when given. On a queue ({@link #fromMessage}) whatever arrived, Caravan's message or a
 * seed client's, becomes the {@link CommerceEvent} the sinks record.
 */
@Component("commerceEvents")
public class CommerceEvents {

    /** The seed's workers read {@code event_time} in this form. */
    private static final DateTimeFormatter SEED_EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final CommerceProperties settings;
    /**
     * The times an event may carry: from the Unix epoch to the end of 2099. Outside it a time is a client's
     * mistake (seconds sent as milliseconds, a placeholder), and far outside it no store keeps it faithfully.
     */
    static final Instant EARLIEST = Instant.EPOCH;
    static final Instant LATEST = Instant.parse("2100-01-01T00:00:00Z");
    private static final String OUTSIDE_WINDOW = "outside 1970-01-01T00:00:00Z .. 2099-12-31T23:59:59Z";

    private final Caller caller;

    public CommerceEvents(CommerceProperties settings, Caller caller) {
        this.settings = settings;
        this.caller = caller;
    }

    /** A batch body may be the seed's bare JSON array of events; it becomes {@code {"events": [...]}}. */
    public String batchBody(String raw) {
        return raw != null && raw.stripLeading().startsWith("[") ? "{\"events\": " + raw + "}" : raw;
    }

    /**
     * The message for one schema-valid event posted by {@code user}, who must be its user or an admin.
     *
     * @throws ForbiddenException      when the caller posts for another user
     * @throws InvalidRequestException when the timestamp is not a date-time
     */
    public List<Map<String, Object>> accept(Map<String, Object> request, String user, String roles) {
        requireSelfOrAdmin(request, "", user, roles);
        return List.of(message(request, ""));
    }

    /**
     * The messages for a schema-valid batch {@code {"events": [...]}}: all of them or none. Refused when it
     * holds more than {@code caravan.commerce.batch-max-events} events, an event for another user, a bad
     * timestamp or an event id twice.
     */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> acceptAll(Map<String, Object> batch, String user, String roles) {
        List<Map<String, Object>> events = (List<Map<String, Object>>) batch.get("events");
        if (events.size() > settings.batchMaxEvents()) {
            throw new InvalidRequestException("events", "at most %d events per batch, got %d"
                    .formatted(settings.batchMaxEvents(), events.size()));
        }
        List<InvalidRequestException.FieldError> errors = new ArrayList<>();
        Map<Object, Integer> seen = new HashMap<>();
        List<Map<String, Object>> messages = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            String at = "events[" + i + "].";
            requireSelfOrAdmin(events.get(i), at, user, roles);
            try {
                Map<String, Object> message = message(events.get(i), at);
                Integer earlier = seen.putIfAbsent(message.get("event_id"), i);
                if (earlier != null) {
                    errors.add(new InvalidRequestException.FieldError(at + "event_id", "same as events[" + earlier + "].event_id"));
                }
                messages.add(message);
            } catch (InvalidRequestException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return messages;
    }

    /** The sinks' view of a message accepted at the door (broker bypass). */
    public CommerceEvent forSinks(Map<String, Object> message) {
        return fromMessage(message, null, null, null);
    }

    /** The event for a message the {@code durable-consumer} template hands over, with its id and time resolved. */
    public CommerceEvent fromMessage(Map<String, Object> message, String messageId, Date messageTime) {
        return fromMessage(message, messageId, messageTime, null);
    }

    /**
     * The events of a batch the {@code durable-consumer} template hands to a batch sink, each as {@link #fromMessage}
     * makes it for the per-message sink.
     *
     * @throws PoisonMessageException when a message's time is not a date-time (the consumer then hands the batch's
     *                                messages to the per-message sink one by one, which parks that one alone)
     */
    @SuppressWarnings("unchecked")
    public List<CommerceEvent> fromMessages(List<ConsumedMessage> messages) {
        List<CommerceEvent> events = new ArrayList<>(messages.size());
        for (ConsumedMessage message : messages) {
            events.add(fromMessage((Map<String, Object>) message.body(), message.id(), message.time(), null));
        }
        return events;
    }

    /**
     * The event for a schema-valid message consumed from a queue. Its id is the message's
     * {@code event_id}, else its AMQP message id, else a name-based UUID of the raw bytes, so a
     * redelivered message keeps its identity in every sink. Its time is {@code timestamp}, else the
     * seed's {@code event_time} or {@code published_at}, else the AMQP timestamp, else now.
     *
     * @throws PoisonMessageException when a time is not a date-time
     */
    public CommerceEvent fromMessage(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        String eventId = text(message.get("event_id"));
        if (eventId == null) {
            eventId = amqpMessageId != null && !amqpMessageId.isBlank() ? amqpMessageId
                    : UUID.nameUUIDFromBytes(raw == null ? new byte[0] : raw).toString();
        }
        OffsetDateTime timestamp;
        try {
            Object time = firstPresent(message, "timestamp", "event_time", "published_at");
            timestamp = time != null ? timestamp(time)
                    : amqpTimestamp != null ? amqpTimestamp.toInstant().atOffset(ZoneOffset.UTC)
                    : OffsetDateTime.now(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new PoisonMessageException("timestamp: not an ISO-8601 date-time: " + e.getParsedString());
        } catch (DateTimeException e) {
            throw new PoisonMessageException("timestamp: " + e.getMessage());
        }
        String session = text(message.get("user_session"));
        return new CommerceEvent(eventId, String.valueOf(message.get("user_id")), String.valueOf(message.get("product_id")),
                String.valueOf(message.get("event_type")), session == null ? "" : session, timestamp,
                text(message.get("category")), message.get("price") instanceof Number n ? n.doubleValue() : null);
    }

    /** What {@code POST /events} and {@code POST /events/batch} answer. */
    public Map<String, Object> answer(List<Map<String, Object>> messages, boolean batch, String path, String acceptedVia) {
        Map<String, Object> answer = new LinkedHashMap<>();
        List<Object> ids = messages.stream().map(m -> m.get("event_id")).toList();
        if (batch) {
            answer.put("event_ids", ids);
            answer.put("count", ids.size());
        } else {
            answer.put("event_id", ids.get(0));
        }
        answer.put("status", acceptedVia == null ? "stored" : "accepted");
        answer.put("path", path);
        if (acceptedVia != null) {
            answer.put("accepted_via", acceptedVia);
        }
        return answer;
    }

    private Map<String, Object> message(Map<String, Object> request, String at) {
        Map<String, Object> message = new LinkedHashMap<>();
        String eventId = text(request.get("event_id"));
        message.put("event_id", eventId != null ? eventId : UUID.randomUUID().toString());
        message.put("user_id", request.get("user_id"));
        message.put("product_id", request.get("product_id"));
        message.put("event_type", request.get("event_type"));
        message.put("user_session", request.get("user_session"));
        OffsetDateTime timestamp;
        try {
            timestamp = request.get("timestamp") == null ? OffsetDateTime.now(ZoneOffset.UTC) : timestamp(request.get("timestamp"));
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(at + "timestamp", "not an ISO-8601 date-time or epoch seconds: " + e.getParsedString());
        } catch (DateTimeException e) {
            throw new InvalidRequestException(at + "timestamp", e.getMessage());
        }
        message.put("timestamp", timestamp.toString());
        if (request.get("category") != null) {
            message.put("category", request.get("category"));
        }
        if (request.get("price") != null) {
            message.put("price", request.get("price"));
        }
        return message;
    }

    private void requireSelfOrAdmin(Map<String, Object> event, String at, String user, String roles) {
        if (!caller.isSelfOrAdmin(event.get("user_id"), user, roles)) {
            throw new ForbiddenException("user '" + user + "' may not post events for user '" + event.get("user_id") + "'"
                    + (at.isEmpty() ? "" : " (" + at.substring(0, at.length() - 1) + ")"));
        }
    }

    /**
     * A time as a client may send it: ISO-8601 with an offset, without one (taken as UTC, like Python's
     * {@code isoformat()}), the seed's {@code yyyy-MM-dd HH:mm:ss} (UTC), or epoch seconds.
     */
    static OffsetDateTime timestamp(Object value) {
        if (value instanceof Number epochSeconds) {
            double seconds = epochSeconds.doubleValue();
            // checked before the cast: (long) of a huge double saturates and would pass as year 292 million
            if (!(seconds >= EARLIEST.getEpochSecond() && seconds < LATEST.getEpochSecond())) {
                throw new DateTimeException(OUTSIDE_WINDOW);
            }
            return Instant.ofEpochMilli((long) (seconds * 1000)).atOffset(ZoneOffset.UTC);
        }
        String text = value.toString().trim();
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(text);
        } catch (DateTimeParseException notOffset) {
            try {
                time = LocalDateTime.parse(text).atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                time = LocalDateTime.parse(text, SEED_EVENT_TIME).atOffset(ZoneOffset.UTC);
            }
        }
        if (time.toInstant().isBefore(EARLIEST) || !time.toInstant().isBefore(LATEST)) {
            throw new DateTimeException(OUTSIDE_WINDOW);
        }
        return time;
    }

    private static Object firstPresent(Map<String, Object> message, String... names) {
        for (String name : names) {
            if (message.get(name) != null) {
                return message.get(name);
            }
        }
        return null;
    }

    private static String text(Object value) {
        return value == null || value.toString().isBlank() ? null : value.toString();
    }
}
