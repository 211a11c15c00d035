package io.caravan.platform.ops;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.platform.rest.InvalidRequestException;

/**
 * Which dead letters a replay or delete acts on: every criterion given must hold (all of them), or
 * {@code all} selects every dead letter. Read from the request body:
 * <pre>
 * {"message_id": "…", "original_queue": "chat_history", "reason": "refused", "failure": "transient",
 *  "failed_after": "2026-11-22T00:00:00Z", "failed_before": "2026-11-23T00:00:00Z", "max_examined": 1000}
 * {"all": true}
 * </pre>
 *
 * @param all           every dead letter (cannot be combined with a criterion)
 * @param messageId     the AMQP message id, exactly
 * @param originalQueue {@code x-caravan-original-queue}, exactly
 * @param reason        a substring of {@code x-caravan-reason}, ignoring case
 * @param failure       {@code x-caravan-failure}: {@code poison} or {@code transient}
 * @param failedAfter   {@code x-caravan-last-failure} at or after this instant
 * @param failedBefore  {@code x-caravan-last-failure} before this instant
 * @param maxExamined   read at most this many dead letters in this call (null: the configured bound)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class) // its names in the OpenAPI document
public record DeadLetterSelection(
        boolean all,
        String messageId,
        String originalQueue,
        String reason,
        String failure,
        Instant failedAfter,
        Instant failedBefore,
        Integer maxExamined) {

    private static final Set<String> FIELDS = Set.of("all", "message_id", "original_queue", "reason", "failure",
            "failed_after", "failed_before", "max_examined");
    private static final Set<String> FAILURES = Set.of("poison", "transient");

    /** The dead letters with this message id. */
    public static DeadLetterSelection byMessageId(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            throw new InvalidRequestException("message_id", "must not be blank");
        }
        return new DeadLetterSelection(false, messageId, null, null, null, null, null, null);
    }

    /** Every dead letter. */
    public static final DeadLetterSelection ALL = new DeadLetterSelection(true, null, null, null, null, null, null, null);

    /**
     * The filters of a listing ({@code GET /ops/dead-letters/{queue}?reason=…}), checked as a request body's
     * are; {@link #ALL} when none is given.
     */
    public static DeadLetterSelection filters(String messageId, String originalQueue, String reason, String failure,
                                              String failedAfter, String failedBefore, ObjectMapper json, int maxExamined) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = json.createObjectNode();
        Map<String, String> given = new java.util.LinkedHashMap<>();
        given.put("message_id", messageId);
        given.put("original_queue", originalQueue);
        given.put("reason", reason);
        given.put("failure", failure);
        given.put("failed_after", failedAfter);
        given.put("failed_before", failedBefore);
        given.forEach((name, value) -> {
            if (value != null && !value.isBlank()) {
                tree.put(name, value);
            }
        });
        return tree.isEmpty() ? ALL : parse(tree.toString(), json, maxExamined);
    }

    /**
     * Reads and checks a request body; every wrong field is named in the {@link InvalidRequestException}.
     *
     * @param body        the JSON text of the request
     * @param json        the application's mapper
     * @param maxExamined the configured upper bound of {@code max_examined}
     */
    public static DeadLetterSelection parse(String body, ObjectMapper json, int maxExamined) {
        JsonNode tree;
        try {
            tree = body == null || body.isBlank() ? null : json.readTree(body);
        } catch (Exception e) {
            throw new InvalidRequestException("body", "is not JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidRequestException("body",
                    "must be a JSON object with filters (message_id, original_queue, reason, failure, failed_after, failed_before) or {\"all\": true}");
        }
        List<InvalidRequestException.FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new InvalidRequestException.FieldError(name, "unknown field; known: " + String.join(", ", FIELDS.stream().sorted().toList())));
            }
        }
        boolean all = false;
        JsonNode allNode = tree.get("all");
        if (allNode != null && !allNode.isNull()) {
            if (allNode.isBoolean()) {
                all = allNode.booleanValue();
            } else {
                errors.add(new InvalidRequestException.FieldError("all", "must be true or false"));
            }
        }
        String messageId = text(tree, "message_id", errors);
        String originalQueue = text(tree, "original_queue", errors);
        String reason = text(tree, "reason", errors);
        String failure = text(tree, "failure", errors);
        if (failure != null && !FAILURES.contains(failure.toLowerCase(Locale.ROOT))) {
            errors.add(new InvalidRequestException.FieldError("failure", "must be poison or transient"));
        }
        Instant failedAfter = instant(tree, "failed_after", errors);
        Instant failedBefore = instant(tree, "failed_before", errors);
        if (failedAfter != null && failedBefore != null && !failedAfter.isBefore(failedBefore)) {
            errors.add(new InvalidRequestException.FieldError("failed_before", "must be after failed_after"));
        }
        Integer max = null;
        JsonNode maxNode = tree.get("max_examined");
        if (maxNode != null && !maxNode.isNull()) {
            if (maxNode.isIntegralNumber() && maxNode.asLong() >= 1 && maxNode.asLong() <= maxExamined) {
                max = maxNode.intValue();
            } else {
                errors.add(new InvalidRequestException.FieldError("max_examined",
                        "must be a whole number from 1 to " + maxExamined));
            }
        }
        boolean filtered = messageId != null || originalQueue != null || reason != null || failure != null
                || failedAfter != null || failedBefore != null;
        if (errors.isEmpty() && all && filtered) {
            errors.add(new InvalidRequestException.FieldError("all", "cannot be combined with filters"));
        }
        if (errors.isEmpty() && !all && !filtered) {
            errors.add(new InvalidRequestException.FieldError("all",
                    "give at least one filter, or \"all\": true to select every dead letter"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return new DeadLetterSelection(all, messageId, originalQueue, reason,
                failure == null ? null : failure.toLowerCase(Locale.ROOT), failedAfter, failedBefore, max);
    }

    /** Whether the dead letter with this message id and these headers is selected. */
    public boolean matches(String id, Map<String, Object> headers) {
        if (all) {
            return true;
        }
        if (messageId != null && !messageId.equals(id)) {
            return false;
        }
        if (originalQueue != null && !originalQueue.equals(header(headers, DeadLetters.H_ORIGINAL_QUEUE))) {
            return false;
        }
        if (reason != null) {
            String actual = header(headers, DeadLetters.H_REASON);
            if (actual == null || !actual.toLowerCase(Locale.ROOT).contains(reason.toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        if (failure != null && !failure.equalsIgnoreCase(header(headers, DeadLetters.H_FAILURE))) {
            return false;
        }
        if (failedAfter != null || failedBefore != null) {
            Instant lastFailure = lastFailure(headers);
            if (lastFailure == null
                    || failedAfter != null && lastFailure.isBefore(failedAfter)
                    || failedBefore != null && !lastFailure.isBefore(failedBefore)) {
                return false;
            }
        }
        return true;
    }

    private static Instant lastFailure(Map<String, Object> headers) {
        String value = header(headers, DeadLetters.H_LAST_FAILURE);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null; // a hand-made dead letter without a readable time is outside every window
        }
    }

    private static String header(Map<String, Object> headers, String name) {
        Object value = headers.get(name);
        return value == null ? null : value.toString();
    }

    private static String text(JsonNode tree, String field, List<InvalidRequestException.FieldError> errors) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(new InvalidRequestException.FieldError(field, "must be a non-blank string"));
            return null;
        }
        return node.asText();
    }

    private static Instant instant(JsonNode tree, String field, List<InvalidRequestException.FieldError> errors) {
        String text = text(tree, field, errors);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            errors.add(new InvalidRequestException.FieldError(field, "must be an ISO-8601 instant such as 2026-11-22T10:15:30Z"));
            return null;
        }
    }
}
