package io.caravan.broker;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes a persistent message and returns only once the broker has confirmed it; otherwise throws
 * {@link PublishFailedException}. A message that no queue takes comes back (mandatory flag) and is an
 * error too, never a silent drop. Flows call it as the bean {@code confirmedPublisher}.
 */
@Component("confirmedPublisher")
public class ConfirmedPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(ConfirmedPublisher.class);

    private final RabbitTemplate rabbit;
    private final ObjectMapper json;
    private final long confirmTimeoutMillis;

    public ConfirmedPublisher(RabbitTemplate rabbit, ObjectMapper json, BrokerProperties broker) {
        this.rabbit = rabbit;
        this.json = json;
        this.confirmTimeoutMillis = broker.confirmTimeout().toMillis();
    }

    /**
     * Serialises {@code payload} as JSON and publishes it with {@code messageId} as the AMQP message id.
     *
     * @param exchange   the exchange; {@code ""} is the default exchange (routing key = queue name)
     * @param routingKey the routing key
     * @param messageId  the id every sink uses for idempotency
     * @param payload    the message, serialised with the application's {@link ObjectMapper}
     */
    public void publishJson(String exchange, String routingKey, String messageId, Object payload) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload cannot be written as JSON", e);
        }
        Message message = MessageBuilder.withBody(body)
                .setContentType(MessageProperties.CONTENT_TYPE_JSON)
                .setContentEncoding(StandardCharsets.UTF_8.name())
                .setMessageId(messageId)
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .build();
        publish(exchange, routingKey, message);
    }

    /** Publishes {@code message} as it is (its properties and headers kept) and waits for the confirm. */
    public void publish(String exchange, String routingKey, Message message) {
        String messageId = message.getMessageProperties().getMessageId();
        CorrelationData correlation = new CorrelationData(messageId != null ? messageId : UUID.randomUUID().toString());
        try {
            rabbit.send(exchange, routingKey, message, correlation);
            CorrelationData.Confirm confirm = correlation.getFuture().get(confirmTimeoutMillis, TimeUnit.MILLISECONDS);
            ReturnedMessage returned = correlation.getReturned();
            if (returned != null) {
                throw new PublishFailedException("unroutable: exchange '%s' routing key '%s': %s"
                        .formatted(exchange, routingKey, returned.getReplyText()));
            }
            if (!confirm.isAck()) {
                throw new PublishFailedException("broker refused message %s on '%s': %s"
                        .formatted(messageId, routingKey, confirm.getReason()));
            }
            LOG.debug("Published {} to exchange '{}' routing key '{}'", messageId, exchange, routingKey);
        } catch (AmqpException e) {
            throw new PublishFailedException("broker unreachable: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new PublishFailedException("no confirm from the broker within " + confirmTimeoutMillis + " ms", e);
        } catch (ExecutionException e) {
            throw new PublishFailedException("publish failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishFailedException("interrupted while waiting for the broker's confirm", e);
        }
    }
}
