package io.caravan.flows.campusassistant;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.ConsumedMessage;
import io.caravan.platform.broker.ConsumedMessages;
import io.caravan.platform.broker.PoisonMessageException;
import org.springframework.stereotype.Component;

/**
 * Shapes the campus-assistant flow's messages (seed 003): chat messages, completed class preferences
 * and notifications. The {@code record}-like methods build a message at the REST door (with a fresh id
 * and time); the {@code …Log} methods turn whatever arrived on a queue (Caravan's own message, or a
 * seed client's without an id) into the row for its log table.
 */
@Component("campusMessages")
public class CampusMessages {

    private final ObjectMapper json;

    public CampusMessages(ObjectMapper json) {
        this.json = json;
    }

    /** A chat message for {@code POST /assistant/messages}: {@code id, student_id, message, response, intent, metadata, timestamp}. */
    public Map<String, Object> chatMessage(Map<String, Object> request) {
        return newMessage(request.get("student_id"), request, "message", "response", "intent", "metadata");
    }

    /** A notification for {@code POST /notifications}: {@code id, student_id, notification_type, title, content, metadata, timestamp}. */
    public Map<String, Object> notification(Map<String, Object> request) {
        return newMessage(request.get("student_id"), request, "notification_type", "title", "content", "metadata");
    }

    /** The completed set of class preferences to log: {@code id, student_id, preferences, step, timestamp}. */
    public Map<String, Object> completedPreferences(Map<String, Object> state) {
        return newMessage(state.get("student_id"), state, "preferences", "step");
    }

    /** What the caller gets when a message was accepted: its id and routing key, and for a chat message whether the state was cached. */
    public Map<String, Object> accepted(Map<String, Object> message, String routingKey, Boolean cached) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", message.get("id"));
        answer.put("student_id", message.get("student_id"));
        answer.put("routing_key", routingKey);
        if (cached != null) {
            answer.put("cached", cached);
        }
        return answer;
    }

    /** The answer to a preference step: the current state, whether it was cached, and whether (with which id) the set was published. */
    public Map<String, Object> preferencesAnswer(Map<String, Object> state, Map<String, Object> published) {
        Map<String, Object> answer = new LinkedHashMap<>(state);
        answer.put("published", published != null);
        if (published != null) {
            answer.put("id", published.get("id"));
        }
        return answer;
    }

    /** The {@code chat_message_logs} row for a message the {@code durable-consumer} template hands over. */
    public Map<String, Object> chatMessageLog(Map<String, Object> message, String messageId, Date messageTime) {
        return chatMessageLog(message, messageId, messageTime, null);
    }

    /** The {@code chat_message_logs} row for a consumed chat message. */
    public Map<String, Object> chatMessageLog(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        Map<String, Object> row = logRow(message, amqpMessageId, amqpTimestamp, raw);
        row.put("message", message.get("message"));
        row.put("response", message.get("response"));
        row.put("intent", message.get("intent"));
        row.put("metadata", jsonOrNull(message.get("metadata")));
        return row;
    }

    /** The {@code class_preference_logs} row for a message the {@code durable-consumer} template hands over. */
    public Map<String, Object> classPreferenceLog(Map<String, Object> message, String messageId, Date messageTime) {
        return classPreferenceLog(message, messageId, messageTime, null);
    }

    /** The {@code class_preference_logs} row for a consumed set of class preferences. */
    public Map<String, Object> classPreferenceLog(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        Map<String, Object> row = logRow(message, amqpMessageId, amqpTimestamp, raw);
        row.put("preferences", jsonOrNull(message.get("preferences")));
        row.put("step", message.get("step"));
        return row;
    }

    /** The {@code notification_logs} row for a message the {@code durable-consumer} template hands over. */
    public Map<String, Object> notificationLog(Map<String, Object> message, String messageId, Date messageTime) {
        return notificationLog(message, messageId, messageTime, null);
    }

    /** The {@code notification_logs} row for a consumed notification. */
    public Map<String, Object> notificationLog(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        Map<String, Object> row = logRow(message, amqpMessageId, amqpTimestamp, raw);
        row.put("notification_type", message.get("notification_type"));
        row.put("title", message.get("title"));
        row.put("content", message.get("content"));
        row.put("metadata", jsonOrNull(message.get("metadata")));
        return row;
    }

    /** The {@code chat_message_logs} rows for a batch ({@code campus-assistant.store-chat-message-batch}), each as {@link #chatMessageLog} makes it. */
    public List<Map<String, Object>> chatMessageLogs(List<ConsumedMessage> batch) {
        return ConsumedMessage.rows(batch, this::chatMessageLog);
    }

    /** The {@code class_preference_logs} rows for a batch ({@code campus-assistant.store-class-preferences-batch}), each as {@link #classPreferenceLog} makes it. */
    public List<Map<String, Object>> classPreferenceLogs(List<ConsumedMessage> batch) {
        return ConsumedMessage.rows(batch, this::classPreferenceLog);
    }

    /** The {@code notification_logs} rows for a batch ({@code campus-assistant.store-notification-batch}), each as {@link #notificationLog} makes it. */
    public List<Map<String, Object>> notificationLogs(List<ConsumedMessage> batch) {
        return ConsumedMessage.rows(batch, this::notificationLog);
    }

    /** A seed client may send the student id as a number or as digits; the tables hold an integer. */
    static int studentId(Object value) {
        try {
            long id = value instanceof Number number ? number.longValue() : Long.parseLong(String.valueOf(value).trim());
            if (id >= 0 && id <= Integer.MAX_VALUE) {
                return (int) id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PoisonMessageException("student_id: not a whole number from 0 to " + Integer.MAX_VALUE + ": " + value);
    }

    /** A message with a fresh id, the student, {@code fields} taken from {@code source}, and the time now. */
    private static Map<String, Object> newMessage(Object studentId, Map<String, Object> source, String... fields) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", UUID.randomUUID().toString());
        message.put("student_id", studentId);
        for (String field : fields) {
            message.put(field, source.get(field));
        }
        message.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).toString());
        return message;
    }

    /** One row per message of a batch, made by the per-message sink's row builder from the message's id and time. */

    private static Map<String, Object> logRow(Map<String, Object> message, String amqpMessageId, Date amqpTimestamp, byte[] raw) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("message_id", ConsumedMessages.id(message.get("id"), amqpMessageId, raw));
        row.put("student_id", studentId(message.get("student_id")));
        row.put("timestamp", ConsumedMessages.timestamp(message.get("timestamp"), amqpTimestamp));
        return row;
    }

    private String jsonOrNull(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException("cannot be stored as JSON: " + e.getOriginalMessage());
        }
    }
}
