package io.caravan.platform.broker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * How an ingress hands a message on: "accepted means durable". It returns only once the broker
 * confirmed the message ({@code broker}) or, if the broker is unreachable, refused it or did not
 * confirm in time, once it is stored in the PostgreSQL {@link Outbox} ({@code outbox}). If neither
 * takes it, {@link PublishFailedException}: the caller answers 503 and nothing was accepted. An
 * unroutable message (no queue bound) is a configuration error and is never parked in the outbox.
 * Flows call it as the bean {@code durablePublisher}.
 */
@Component("durablePublisher")
public class DurablePublisher {

    /** Where an accepted message went. */
    public static final String VIA_BROKER = "broker";
    public static final String VIA_OUTBOX = "outbox";

    private static final Logger LOG = LoggerFactory.getLogger(DurablePublisher.class);

    private final ConfirmedPublisher publisher;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final MessageCounters counters;

    public DurablePublisher(ConfirmedPublisher publisher, Outbox outbox, ObjectMapper json, MessageCounters counters) {
        this.publisher = publisher;
        this.outbox = outbox;
        this.json = json;
        this.counters = counters;
    }

    /**
     * Publishes {@code payload} as persistent JSON with {@code messageId}; returns {@value #VIA_BROKER}
     * or {@value #VIA_OUTBOX}.
     */
    public String publishJson(String exchange, String routingKey, String messageId, Object payload) {
        return publishJson(exchange, routingKey, messageId, null, payload);
    }

    /** As {@link #publishJson(String, String, String, Object)}, with an AMQP correlation id. */
    public String publishJson(String exchange, String routingKey, String messageId, String correlationId, Object payload) {
        return publish(exchange, routingKey, jsonMessage(messageId, correlationId, payload));
    }

    private Message jsonMessage(String messageId, String correlationId, Object payload) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload cannot be written as JSON", e);
        }
        return MessageBuilder.withBody(body)
                .setContentType(MessageProperties.CONTENT_TYPE_JSON)
                .setContentEncoding(StandardCharsets.UTF_8.name())
                .setMessageId(messageId)
                .setCorrelationId(correlationId)
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .build();
    }

    /**
     * Publishes {@code payloads} as persistent JSON messages, each with the message id found under
     * {@code idKey}, as one confirmed batch: all are sent, then the confirms are awaited together. Those
     * the broker did not confirm are stored in the outbox in one transaction. Returns
     * {@value #VIA_BROKER} when the broker confirmed all of them, else {@value #VIA_OUTBOX}. If the
     * outbox does not take them either, {@link PublishFailedException}: the ones the broker confirmed
     * are on their queues, the others were not accepted (sinks are idempotent by id, so posting the
     * batch again with its event ids records each event once).
     */
    public String publishAllJson(String exchange, String routingKey, List<Map<String, Object>> payloads, String idKey) {
        List<Message> messages = new ArrayList<>(payloads.size());
        for (Map<String, Object> payload : payloads) {
            messages.add(jsonMessage(String.valueOf(payload.get(idKey)), null, payload));
        }
        String destination = destination(exchange, routingKey);
        if (outbox.mustQueueBehind(exchange, routingKey)) {
            return toOutbox(exchange, routingKey, messages, "older messages for '" + destination + "' are still waiting");
        }
        List<ConfirmedPublisher.Unconfirmed> unconfirmed = publisher.publishAll(exchange, routingKey, messages);
        int confirmed = messages.size() - unconfirmed.size();
        counters.accepted(destination, VIA_BROKER).increment(confirmed);
        counters.published(destination, "ingress").increment(confirmed);
        if (unconfirmed.isEmpty()) {
            return VIA_BROKER;
        }
        String why = unconfirmed.get(0).reason();
        LOG.warn("Broker did not take {} of {} message(s) for '{}': {}; storing them in the outbox", unconfirmed.size(),
                messages.size(), destination, why);
        return toOutbox(exchange, routingKey, unconfirmed.stream().map(ConfirmedPublisher.Unconfirmed::message).toList(), why);
    }

    /** How metrics name where a message goes: its routing key, or the exchange for a fanout (empty key). */
    public static String destination(String exchange, String routingKey) {
        return routingKey == null || routingKey.isEmpty() ? exchange : routingKey;
    }

    /** Publishes {@code message}; returns {@value #VIA_BROKER} or {@value #VIA_OUTBOX}. */
    public String publish(String exchange, String routingKey, Message message) {
        String messageId = message.getMessageProperties().getMessageId();
        if (outbox.mustQueueBehind(exchange, routingKey)) {
            return toOutbox(exchange, routingKey, List.of(message), "older messages for '" + routingKey + "' are still waiting");
        }
        try {
            publisher.publish(exchange, routingKey, message);
            String destination = destination(exchange, routingKey);
            counters.accepted(destination, VIA_BROKER).increment();
            counters.published(destination, "ingress").increment();
            return VIA_BROKER;
        } catch (UnroutableException e) {
            throw e;
        } catch (PublishFailedException e) {
            LOG.warn("Broker did not take message {} for '{}': {}; storing it in the outbox", messageId, routingKey, e.getMessage());
            return toOutbox(exchange, routingKey, List.of(message), e.getMessage());
        }
    }

    private String toOutbox(String exchange, String routingKey, List<Message> messages, String why) {
        String destination = destination(exchange, routingKey);
        try {
            outbox.storeAll(exchange, routingKey, messages);
        } catch (DataAccessException e) {
            throw new PublishFailedException("neither the broker nor the outbox took %d message(s) (%s; outbox: %s)"
                    .formatted(messages.size(), why, e.getMostSpecificCause().getMessage()), e);
        }
        counters.accepted(destination, VIA_OUTBOX).increment(messages.size());
        LOG.info("Accepted {} message(s) for '{}' into the outbox ({}…): {}", messages.size(), destination,
                messages.get(0).getMessageProperties().getMessageId(), why);
        return VIA_OUTBOX;
    }
}
