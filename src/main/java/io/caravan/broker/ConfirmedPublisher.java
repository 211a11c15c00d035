package io.caravan.broker;

import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes a persistent message and returns only once the broker has confirmed it; otherwise throws
 * {@link PublishFailedException}. A message that no queue takes comes back (mandatory flag) and is an
 * error too ({@link UnroutableException}), never a silent drop. Ingress flows publish through
 * {@link DurablePublisher}, which falls back to the outbox; retries, dead letters and the outbox
 * relay publish here directly.
 */
@Component("confirmedPublisher")
public class ConfirmedPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(ConfirmedPublisher.class);

    private final RabbitTemplate rabbit;
    private final long confirmTimeoutMillis;

    public ConfirmedPublisher(RabbitTemplate rabbit, BrokerProperties broker) {
        this.rabbit = rabbit;
        this.confirmTimeoutMillis = broker.confirmTimeout().toMillis();
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
                throw new UnroutableException("unroutable: exchange '%s' routing key '%s': %s"
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
