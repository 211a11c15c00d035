package io.caravan.platform.broker;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.UUID;

/**
 * What a consumer takes as a message's id and time when its sender, often a seed client, left them out.
 * The id keys the idempotent insert, so a redelivered message must get the same id again.
 */
public final class ConsumedMessages {

    private ConsumedMessages() {
    }

    /** The message's own {@code id}, else its AMQP message id, else a name-based UUID of the raw bytes. */
    public static String id(Object bodyId, String amqpMessageId, byte[] raw) {
        if (bodyId != null && !bodyId.toString().isBlank()) {
            return bodyId.toString();
        }
        if (amqpMessageId != null && !amqpMessageId.isBlank()) {
            return amqpMessageId;
        }
        return UUID.nameUUIDFromBytes(raw == null ? new byte[0] : raw).toString();
    }

    /**
     * The routing key a message was published with: the one a dead-letter replay kept in
     * {@code x-caravan-original-routing-key} ({@link DeadLetters#H_ORIGINAL_ROUTING_KEY}), else the delivery's.
     */
    public static String routingKey(Object originalRoutingKey, String deliveredRoutingKey) {
        return originalRoutingKey != null ? originalRoutingKey.toString() : deliveredRoutingKey;
    }

    /**
     * The message's {@code timestamp} (ISO-8601, with or without offset, zone-less taken as UTC as
     * Python's {@code datetime.isoformat()} writes it; or epoch seconds), else the AMQP timestamp, else
     * now. A timestamp that is neither is a {@link PoisonMessageException}.
     */
    public static OffsetDateTime timestamp(Object bodyTimestamp, Date amqpTimestamp) {
        if (bodyTimestamp instanceof Number epochSeconds) {
            return OffsetDateTime.ofInstant(Instant.ofEpochMilli((long) (epochSeconds.doubleValue() * 1000)), ZoneOffset.UTC);
        }
        if (bodyTimestamp != null) {
            String text = bodyTimestamp.toString();
            try {
                return OffsetDateTime.parse(text);
            } catch (DateTimeParseException notOffset) {
                try {
                    return LocalDateTime.parse(text).atOffset(ZoneOffset.UTC);
                } catch (DateTimeParseException e) {
                    throw new PoisonMessageException("timestamp: not an ISO-8601 date-time: " + text);
                }
            }
        }
        if (amqpTimestamp != null) {
            return amqpTimestamp.toInstant().atOffset(ZoneOffset.UTC);
        }
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
