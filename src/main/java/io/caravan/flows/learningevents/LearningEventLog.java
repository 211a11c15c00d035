package io.caravan.flows.learningevents;

import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.rest.InvalidRequestException;
import io.caravan.platform.rest.RequestParameters;
import org.springframework.stereotype.Component;

/**
 * Reads the learning-events event log (table {@code learning_event_log}) for {@code GET /domain-events}
 * and {@code POST /domain-events/replay}: turns the caller's filters into the query's parameters and
 * the rows into pages. Pages are keyset pages in log order: {@code next_after} is the {@code after} of
 * the next page, absent on the last one.
 *
 * <p>The replay is for administrators: it has its own path, {@code POST /domain-events/replay}, so that
 * the platform's security protects it with one rule (admin role) apart from the publishers' {@code POST
 * /domain-events}.
 */
@Component("learningEventLog")
public class LearningEventLog {

    private static final Pattern TOPIC_WORD = Pattern.compile("[A-Za-z0-9_-]+|\\*|#");

    private final RequestParameters parameters;
    private final ObjectMapper json;

    public LearningEventLog(RequestParameters parameters, ObjectMapper json) {
        this.parameters = parameters;
        this.json = json;
    }

    /**
     * The query's named parameters: {@code type_pattern} (a regular expression, or null for every type),
     * {@code since}, {@code until} (null when open), {@code after}, {@code limit}.
     *
     * @param type an event type or a topic pattern ({@code course.*}, {@code review.#}, {@code #})
     */
    public Map<String, Object> selection(String type, String since, String until, String after, String limit,
                                         int defaultLimit, int maxLimit) {
        Map<String, Object> selection = new HashMap<>();
        selection.put("type_pattern", type == null || type.isBlank() ? null : topicPattern(type.trim()));
        OffsetDateTime from = parameters.dateTime("since", since);
        OffsetDateTime to = parameters.dateTime("until", until);
        if (from != null && to != null && !to.isAfter(from)) {
            throw new InvalidRequestException("until", "must be later than since");
        }
        selection.put("since", from);
        selection.put("until", to);
        selection.put("after", (long) parameters.boundedInt("after", after, 0, 0, Integer.MAX_VALUE));
        selection.put("limit", parameters.boundedInt("limit", limit, defaultLimit, 1, maxLimit));
        return selection;
    }

    /** A page of the log: {@code {events: [...], next_after}}. */
    public Map<String, Object> page(List<Map<String, Object>> rows, int limit) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> envelope = envelope(row);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("seq", row.get("seq"));
            event.put("event_id", row.get("event_id"));
            event.put("event_type", row.get("event_type"));
            event.put("timestamp", envelope.get("timestamp"));
            event.put("occurred_at", instant(row.get("occurred_at")));
            event.put("data", envelope.get("data"));
            event.put("routing_key", row.get("routing_key"));
            event.put("logged_at", instant(row.get("logged_at")));
            events.add(event);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("events", events);
        page.put("next_after", nextAfter(rows, limit));
        return page;
    }

    /** What {@code POST /domain-events/replay} answers: how many were published again, and where to continue. */
    public Map<String, Object> replayed(List<Map<String, Object>> rows, int limit) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("replayed", rows.size());
        answer.put("first_seq", rows.isEmpty() ? null : rows.get(0).get("seq"));
        answer.put("last_seq", rows.isEmpty() ? null : rows.get(rows.size() - 1).get("seq"));
        answer.put("next_after", nextAfter(rows, limit));
        return answer;
    }

    /**
     * An AMQP topic pattern as a regular expression over event types: {@code *} is one word,
     * {@code #} zero or more; a plain type matches only itself.
     */
    static String topicPattern(String pattern) {
        String[] words = pattern.split("\\.", -1);
        StringBuilder regex = new StringBuilder("^");
        boolean separatorPending = false;
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            if (!TOPIC_WORD.matcher(word).matches()) {
                throw new InvalidRequestException("type", "must be an event type or a topic pattern such as course.* or review.#");
            }
            if (word.equals("#")) {
                // zero or more words, with the dots between them and their neighbours
                regex.append(i == 0 ? (words.length == 1 ? ".*" : "(.*\\.)?") : "(\\..*)?");
                separatorPending = i > 0;
                continue;
            }
            if (separatorPending) {
                regex.append("\\.");
            }
            // words hold only letters, digits, '_' and '-': literal in PostgreSQL's regular expressions too
            regex.append(word.equals("*") ? "[^.]+" : word);
            separatorPending = true;
        }
        return regex.append('$').toString();
    }

    private static Object nextAfter(List<Map<String, Object>> rows, int limit) {
        return rows.size() < limit || rows.isEmpty() ? null : rows.get(rows.size() - 1).get("seq");
    }

    private Map<String, Object> envelope(Map<String, Object> row) {
        try {
            return json.readValue(String.valueOf(row.get("envelope")), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event log row " + row.get("seq") + " holds no JSON envelope", e);
        }
    }

    private static String instant(Object value) {
        return value instanceof Timestamp timestamp ? timestamp.toInstant().toString() : value == null ? null : value.toString();
    }
}
