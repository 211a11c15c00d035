package io.caravan.platform.broker;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.stereotype.Component;

/**
 * The broker-held retry ladder for transient failures. The n-th failed delivery of a message goes to
 * its queue's retry queue {@code <queue>.retry.<n>}, whose TTL is the n-th delay and which
 * dead-letters back to the work queue; no thread sleeps and no message stays unacked meanwhile, so a
 * retry survives a restart. After the last step the message is dead-lettered with its reason.
 *
 * <p>The attempt count is Caravan's own header ({@value DeadLetters#H_ATTEMPTS}), not RabbitMQ's
 * {@code x-death}, whose counting differs between broker versions.
 */
@Component("retryLadder")
public class RetryLadder {

    private static final Logger LOG = LoggerFactory.getLogger(RetryLadder.class);

    private final ConfirmedPublisher publisher;
    private final DeadLetters deadLetters;
    private final BrokerProperties broker;
    private final MeterRegistry meters;

    public RetryLadder(ConfirmedPublisher publisher, DeadLetters deadLetters, BrokerProperties broker, MeterRegistry meters) {
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.broker = broker;
        this.meters = meters;
    }

    /** Sends the failed message one step up the ladder, or to the dead-letter queue after the last step. */
    public void retryOrPark(Exchange exchange) {
        DeadLetters.OriginalMessage original = DeadLetters.original(exchange);
        BrokerProperties.QueueSpec queue = broker.byQueueName(original.queue()).orElse(null);
        int step = original.previousAttempts() + 1;
        if (queue == null || step > queue.retryDelays().size()) {
            deadLetters.park(exchange, DeadLetters.Failure.TRANSIENT);
            return;
        }
        Message retry = DeadLetters.failedCopy(exchange, DeadLetters.Failure.TRANSIENT);
        publisher.publish("", queue.retryQueue(step), retry);
        meters.counter("caravan.messages.retried", "queue", queue.name(), "step", String.valueOf(step)).increment();
        LOG.info("Retrying message {} from {} in {} (step {} of {}): {}", retry.getMessageProperties().getMessageId(),
                queue.name(), queue.retryDelays().get(step - 1), step, queue.retryDelays().size(),
                retry.getMessageProperties().getHeader(DeadLetters.H_REASON));
    }
}
