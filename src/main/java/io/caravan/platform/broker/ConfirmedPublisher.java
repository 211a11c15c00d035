package io.caravan.platform.broker;

import java.util.ArrayList;
import java.util.List;
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

    /** A message of a batch that the broker did not confirm, and why. */
    public record Unconfirmed(Message message, String reason) { }

    /**
     * Publishes every message, then waits for all their confirms at once (one round trip for the batch,
     * not one per message), within the confirm timeout. Returns the messages the broker did not confirm
     * (refused, no confirm in time, or not sent because the broker is unreachable); the others are
     * safely on their queues. Throws {@link UnroutableException} if any message came back unroutable.
     */
    public List<Unconfirmed> publishAll(String exchange, String routingKey, List<Message> messages) {
        List<CorrelationData> sent = new ArrayList<>(messages.size());
        List<Unconfirmed> unconfirmed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            String messageId = message.getMessageProperties().getMessageId();
            CorrelationData correlation = new CorrelationData(messageId != null ? messageId : UUID.randomUUID().toString());
            try {
                rabbit.send(exchange, routingKey, message, correlation);
                sent.add(correlation);
            } catch (AmqpException e) {
                for (Message rest : messages.subList(i, messages.size())) {
                    unconfirmed.add(new Unconfirmed(rest, "broker unreachable: " + e.getMessage()));
                }
                break;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(confirmTimeoutMillis);
        String unroutable = null;
        for (int i = 0; i < sent.size(); i++) {
            CorrelationData correlation = sent.get(i);
            Message message = messages.get(i);
            try {
                CorrelationData.Confirm confirm = correlation.getFuture()
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                ReturnedMessage returned = correlation.getReturned();
                if (returned != null) {
                    unroutable = "unroutable: exchange '%s' routing key '%s': %s".formatted(exchange, routingKey, returned.getReplyText());
                } else if (!confirm.isAck()) {
                    unconfirmed.add(new Unconfirmed(message, "broker refused it: " + confirm.getReason()));
                }
            } catch (TimeoutException e) {
                unconfirmed.add(new Unconfirmed(message, "no confirm from the broker within " + confirmTimeoutMillis + " ms"));
            } catch (ExecutionException e) {
                unconfirmed.add(new Unconfirmed(message, "publish failed: " + e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unconfirmed.add(new Unconfirmed(message, "interrupted while waiting for the broker's confirm"));
            }
        }
        if (unroutable != null) {
            throw new UnroutableException(unroutable);
        }
        LOG.debug("Published {} of {} message(s) to exchange '{}' routing key '{}' with confirms", messages.size() - unconfirmed.size(),
                messages.size(), exchange, routingKey);
        return unconfirmed;
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
