package io.caravan.platform.broker;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.stereotype.Component;

/**
 * Parks a consumed message that cannot be stored in its queue's dead-letter queue: the original body
 * byte for byte, its message id and headers, plus where it came from and why it failed.
 *
 * <p>The consumer route calls {@link #remember} first, before any step changes the message; the
 * failure policy calls {@link #park} (poison, or the last step of the {@link RetryLadder}).
 */
@Component("deadLetters")
public class DeadLetters {

    /** Exchange property holding the message as it arrived. */
    public static final String ORIGINAL = "caravanOriginalMessage";
    /** Exchange property: an endpoint to tell about a message once it was dead-lettered (the flow's reaction). */
    public static final String ON_DEAD_LETTER = "caravanOnDeadLetter";

    public static final String H_FAILURE = "x-caravan-failure";
    public static final String H_REASON = "x-caravan-reason";
    public static final String H_EXCEPTION = "x-caravan-exception";
    public static final String H_ORIGINAL_QUEUE = "x-caravan-original-queue";
    public static final String H_ORIGINAL_EXCHANGE = "x-caravan-original-exchange";
    public static final String H_ORIGINAL_ROUTING_KEY = "x-caravan-original-routing-key";
    public static final String H_ATTEMPTS = "x-caravan-attempts";
    public static final String H_FIRST_FAILURE = "x-caravan-first-failure";
    public static final String H_LAST_FAILURE = "x-caravan-last-failure";
    public static final String H_ROUTE = "x-caravan-route";
    /** Set by a replay ({@code platform/ops/DeadLetterReplay}): when the message was last sent back to its queue. */
    public static final String H_REPLAYED_AT = "x-caravan-replayed-at";
    /** Set by a replay: how many times the message has been sent back to its queue. */
    public static final String H_REPLAY_COUNT = "x-caravan-replay-count";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final int LOGGED_REASON = 160;

    /** How a failure is classed: a poison message never succeeds; a transient one might on retry. */
    public enum Failure { POISON, TRANSIENT }

    /** The message as it arrived, kept so a failure can park or retry it unchanged. */
    public record OriginalMessage(String queue, byte[] body, Map<String, Object> headers) {

        /** Failed deliveries before this one, as counted by Caravan (not RabbitMQ's x-death). */
        public int previousAttempts() {
            return headers.get(H_ATTEMPTS) instanceof Number n ? n.intValue() : 0;
        }
    }

    private final ConfirmedPublisher publisher;
    private final BrokerProperties broker;
    private final MeterRegistry meters;
    private final ProducerTemplate producer;

    public DeadLetters(ConfirmedPublisher publisher, BrokerProperties broker, MeterRegistry meters, ProducerTemplate producer) {
        this.publisher = publisher;
        this.broker = broker;
        this.meters = meters;
        this.producer = producer;
    }

    /** Keeps the consumed message (body bytes and headers) on the exchange, for {@link #park}. */
    public void remember(Exchange exchange, String queue) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        exchange.setProperty(ORIGINAL, new OriginalMessage(queue, body == null ? new byte[0] : body,
                new LinkedHashMap<>(exchange.getMessage().getHeaders())));
    }

    /** Publishes the remembered message to its dead-letter queue with the reason; throws if the broker won't take it. */
    public void park(Exchange exchange, Failure failure) {
        OriginalMessage original = original(exchange);
        String deadLetterQueue = broker.byQueueName(original.queue())
                .map(BrokerProperties.QueueSpec::deadLetterQueue)
                .orElse(original.queue() + ".dlq");
        Message message = failedCopy(exchange, failure);
        publisher.publish("", deadLetterQueue, message);
        meters.counter("caravan.messages.dead_lettered", "queue", original.queue(), "failure", failure.name().toLowerCase())
                .increment();
        LOG.warn("Dead letter {} from {} ({}): {}", message.getMessageProperties().getMessageId(), original.queue(),
                failure.name().toLowerCase(), brief(message.getMessageProperties().getHeader(H_REASON)));
        tellFlow(exchange, message);
    }

    /**
     * The flow's reaction to a dead letter (e.g. mark a session failed): the original body with the
     * dead letter's headers, sent to the consumer's {@code onDeadLetter} endpoint. The message is already
     * safe in the DLQ, so a failing reaction is logged, not retried.
     */
    private void tellFlow(Exchange exchange, Message parked) {
        String endpoint = exchange.getProperty(ON_DEAD_LETTER, String.class);
        if (endpoint == null || endpoint.isBlank() || "none".equals(endpoint)) {
            return;
        }
        try {
            Map<String, Object> headers = new LinkedHashMap<>(parked.getMessageProperties().getHeaders());
            headers.put(SpringRabbitMQConstants.MESSAGE_ID, parked.getMessageProperties().getMessageId());
            producer.sendBodyAndHeaders(endpoint, parked.getBody(), headers);
        } catch (RuntimeException e) {
            LOG.warn("Flow reaction {} to dead letter {} failed: {}", endpoint, parked.getMessageProperties().getMessageId(), e.getMessage());
        }
    }

    /**
     * A dead letter's id: its AMQP message id, else the name-based id the consumers derive for
     * idempotence from the raw bytes ({@link ConsumedMessages#id}), so a seed client's message that
     * came without one is still listed, replayed and deleted by an id, and stored once when replayed.
     */
    public static String id(String amqpMessageId, byte[] body) {
        return ConsumedMessages.id(null, amqpMessageId, body);
    }

    /** A reason as one short log line: the first line, cut at {@value #LOGGED_REASON} characters (the header keeps it whole). */
    static String brief(Object reason) {
        String text = String.valueOf(reason).strip();
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            text = text.substring(0, newline).strip() + " …";
        }
        return text.length() <= LOGGED_REASON ? text : text.substring(0, LOGGED_REASON) + "…";
    }

    /** The message as it arrived, for a failure policy. */
    static OriginalMessage original(Exchange exchange) {
        OriginalMessage original = exchange.getProperty(ORIGINAL, OriginalMessage.class);
        if (original == null) {
            throw new IllegalStateException("route " + exchange.getFromRouteId() + " did not call deadLetters.remember");
        }
        return original;
    }

    /**
     * A copy of the remembered message for a retry or dead-letter queue: same body, message id,
     * content type and application headers; Caravan's failure headers updated, the attempt counted.
     * The original exchange and routing key are those of the first delivery, kept across retries.
     */
    static Message failedCopy(Exchange exchange, Failure failure) {
        OriginalMessage original = original(exchange);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        while (cause instanceof RuntimeCamelException && cause.getCause() != null) {
            cause = cause.getCause(); // a bean or expression wrapper: the reason is what it wraps
        }

        Map<String, Object> in = original.headers();
        MessageProperties props = new MessageProperties();
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        // every retry or dead letter has an id it can be found, replayed and deleted by
        props.setMessageId(id(header(in, SpringRabbitMQConstants.MESSAGE_ID), original.body()));
        props.setCorrelationId(header(in, SpringRabbitMQConstants.CORRELATION_ID));
        props.setContentType(header(in, SpringRabbitMQConstants.CONTENT_TYPE));
        props.setContentEncoding(header(in, SpringRabbitMQConstants.CONTENT_ENCODING));
        props.setType(header(in, SpringRabbitMQConstants.TYPE));
        props.setAppId(header(in, SpringRabbitMQConstants.APP_ID));
        in.forEach((name, value) -> {
            if (value != null && !isTransportHeader(name)) {
                props.setHeader(name, value);
            }
        });

        String now = Instant.now().toString();
        props.setHeader(H_FAILURE, failure.name().toLowerCase());
        props.setHeader(H_REASON, cause == null ? "unknown" : String.valueOf(cause.getMessage()));
        props.setHeader(H_EXCEPTION, cause == null ? "unknown" : cause.getClass().getName());
        props.setHeader(H_ORIGINAL_QUEUE, original.queue());
        props.setHeader(H_ORIGINAL_EXCHANGE, headerOr(in, H_ORIGINAL_EXCHANGE, headerOr(in, SpringRabbitMQConstants.EXCHANGE_NAME, "")));
        props.setHeader(H_ORIGINAL_ROUTING_KEY, headerOr(in, H_ORIGINAL_ROUTING_KEY,
                headerOr(in, SpringRabbitMQConstants.ROUTING_KEY, original.queue())));
        props.setHeader(H_ATTEMPTS, original.previousAttempts() + 1);
        props.setHeader(H_FIRST_FAILURE, headerOr(in, H_FIRST_FAILURE, now));
        props.setHeader(H_LAST_FAILURE, now);
        props.setHeader(H_ROUTE, exchange.getFromRouteId());
        // a replayed message that fails again keeps its replay history
        for (String replay : new String[] {H_REPLAYED_AT, H_REPLAY_COUNT}) {
            if (in.get(replay) != null) {
                props.setHeader(replay, in.get(replay));
            }
        }
        return new Message(original.body(), props);
    }

    /**
     * Headers that belong to a delivery, not to the message: Camel's and Spring's own, Caravan's failure
     * headers (rewritten above) and RabbitMQ's dead-lettering history (Caravan counts attempts itself).
     */
    private static boolean isTransportHeader(String name) {
        return name.startsWith("Camel") || name.equals("breadcrumbId") || name.startsWith("spring_")
                || name.startsWith("x-caravan-") || name.equals("x-death")
                || name.startsWith("x-first-death-") || name.startsWith("x-last-death-");
    }

    private static String header(Map<String, Object> headers, String name) {
        Object value = headers.get(name);
        return value == null ? null : value.toString();
    }

    private static String headerOr(Map<String, Object> headers, String name, String fallback) {
        String value = header(headers, name);
        return value == null ? fallback : value;
    }
}
