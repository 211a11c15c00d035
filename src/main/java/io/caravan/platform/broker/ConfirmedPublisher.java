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
import org.springframework.amqp.rabbit.connection.RabbitUtils;
import org.springframework.amqp.rabbit.core.RabbitOperations;
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
    /** How the reason of a message the broker refused (a negative confirm, e.g. its queue is full) begins. */
    public static final String REFUSED = "broker refused it: ";

    private final RabbitTemplate rabbit;
    private final long confirmTimeoutMillis;

    public ConfirmedPublisher(RabbitTemplate rabbit, BrokerProperties broker) {
        this.rabbit = rabbit;
        this.confirmTimeoutMillis = broker.confirmTimeout().toMillis();
    }

    /** A message of a batch that the broker did not confirm, and why. */
    public record Unconfirmed(Message message, String reason) { }

    /** One message of a batch and where it goes. */
    public record Outgoing(String exchange, String routingKey, Message message) { }

    /**
     * What became of one message of a batch: confirmed, or not and why. {@code unroutable}: no queue
     * took it (the broker returned it), a configuration error rather than an outage.
     */
    public record Outcome(boolean confirmed, boolean unroutable, String reason) {

        static final Outcome CONFIRMED = new Outcome(true, false, null);

        static Outcome failed(String reason) {
            return new Outcome(false, false, reason);
        }
    }

    /**
     * Publishes every message, then waits for all their confirms at once (one round trip for the batch,
     * not one per message), within the confirm timeout. Returns the messages the broker did not confirm
     * (refused, no confirm in time, or not sent because the broker is unreachable); the others are
     * safely on their queues. Throws {@link UnroutableException} if any message came back unroutable.
     */
    public List<Unconfirmed> publishAll(String exchange, String routingKey, List<Message> messages) {
        List<Outcome> outcomes = publishAll(messages.stream().map(m -> new Outgoing(exchange, routingKey, m)).toList());
        List<Unconfirmed> unconfirmed = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            if (outcome.unroutable()) {
                throw new UnroutableException(outcome.reason());
            }
            if (!outcome.confirmed()) {
                unconfirmed.add(new Unconfirmed(messages.get(i), outcome.reason()));
            }
        }
        return unconfirmed;
    }

    /**
     * Publishes a batch of messages, each to its own exchange and routing key, in list order on one
     * channel (so messages for one queue arrive in that order), then waits for all their confirms
     * together within the confirm timeout. Returns one {@link Outcome} per message, in list order.
     * Never throws for a broker failure: a message that could not be sent is an outcome too.
     */
    public List<Outcome> publishAll(List<Outgoing> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        List<Outcome> outcomes;
        try {
            // invoke: one channel for the whole batch, held until every confirm is in
            outcomes = rabbit.invoke(ops -> sendAndAwait(ops, batch));
        } catch (AmqpException e) {
            String reason = "broker unreachable: " + e.getMessage();
            List<Outcome> failed = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                failed.add(Outcome.failed(reason));
            }
            return failed;
        }
        LOG.debug("Published {} message(s) with confirms, {} unconfirmed", batch.size(),
                outcomes.stream().filter(o -> !o.confirmed()).count());
        return outcomes;
    }

    private List<Outcome> sendAndAwait(RabbitOperations ops, List<Outgoing> batch) {
        List<CorrelationData> sent = new ArrayList<>(batch.size());
        Outcome[] outcomes = new Outcome[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Outgoing out = batch.get(i);
            String messageId = out.message().getMessageProperties().getMessageId();
            CorrelationData correlation = new CorrelationData(messageId != null ? messageId : UUID.randomUUID().toString());
            try {
                ops.send(out.exchange(), out.routingKey(), out.message(), correlation);
                sent.add(correlation);
            } catch (AmqpException e) {
                for (int rest = i; rest < batch.size(); rest++) {
                    outcomes[rest] = Outcome.failed("broker unreachable: " + e.getMessage());
                }
                break;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(confirmTimeoutMillis);
        boolean notConfirmed = false;
        for (int i = 0; i < sent.size(); i++) {
            outcomes[i] = await(sent.get(i), batch.get(i), deadline);
            notConfirmed |= !outcomes[i].confirmed() && !outcomes[i].unroutable();
        }
        if (notConfirmed) {
            // the next publish gets a fresh channel. A channel can stay refused by a quorum queue after its
            // leader died: RabbitMQ 3.10 sets up a channel's client of a quorum queue at its first publish to
            // it, with the leader the queue's record names at that moment; when that is the dead node (the new
            // leader is not elected or recorded yet), the client asks the dead node again on every publish and
            // the broker nacks each one until that node is back. A new channel asks the current leader.
            try {
                ops.execute(channel -> {
                    RabbitUtils.setPhysicalCloseRequired(channel, true);
                    return null;
                });
            } catch (AmqpException e) {
                LOG.debug("Channel not marked for closing (it is gone already): {}", e.getMessage());
            }
        }
        return List.of(outcomes);
    }

    private Outcome await(CorrelationData correlation, Outgoing out, long deadline) {
        try {
            CorrelationData.Confirm confirm = correlation.getFuture()
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            ReturnedMessage returned = correlation.getReturned();
            if (returned != null) {
                return new Outcome(false, true, "unroutable: exchange '%s' routing key '%s': %s"
                        .formatted(out.exchange(), out.routingKey(), returned.getReplyText()));
            }
            return confirm.isAck() ? Outcome.CONFIRMED : Outcome.failed(REFUSED + confirm.getReason());
        } catch (TimeoutException e) {
            return Outcome.failed("no confirm from the broker within " + confirmTimeoutMillis + " ms");
        } catch (ExecutionException e) {
            return Outcome.failed("publish failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed("interrupted while waiting for the broker's confirm");
        }
    }

    /**
     * Publishes {@code message} as it is (its properties and headers kept) and waits for the confirm; throws
     * {@link PublishFailedException} if the broker refused it, did not confirm it in time or could not be
     * reached, {@link UnroutableException} if no queue took it. Like a batch, it goes out on a channel held
     * until its confirm is in, and a channel that did not confirm is closed rather than reused.
     */
    public void publish(String exchange, String routingKey, Message message) {
        String messageId = message.getMessageProperties().getMessageId();
        Outcome outcome = publishAll(List.of(new Outgoing(exchange, routingKey, message))).get(0);
        if (outcome.unroutable()) {
            throw new UnroutableException(outcome.reason());
        }
        if (!outcome.confirmed()) {
            String reason = outcome.reason().startsWith(REFUSED)
                    ? "broker refused message %s on '%s': %s".formatted(messageId, routingKey, outcome.reason().substring(REFUSED.length()))
                    : outcome.reason();
            throw new PublishFailedException(reason);
        }
        LOG.debug("Published {} to exchange '{}' routing key '{}'", messageId, exchange, routingKey);
    }
}
