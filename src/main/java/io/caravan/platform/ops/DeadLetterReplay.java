package io.caravan.platform.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.caravan.platform.broker.BrokerProperties;
import io.caravan.platform.broker.ConfirmedPublisher;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.platform.broker.PublishFailedException;
import io.caravan.platform.rest.NotFoundException;
import io.caravan.platform.rest.RequestParameters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.support.DefaultMessagePropertiesConverter;
import org.springframework.amqp.rabbit.support.MessagePropertiesConverter;
import org.springframework.stereotype.Component;

/**
 * Inspects, replays and deletes the dead letters of Caravan's dead-letter queues (the
 * {@code deadLetterQueue} of each {@link BrokerProperties.QueueSpec}); the REST side is
 * {@link DeadLetterRoutes} under {@code /ops/dead-letters}. Flows and routes call it as the bean
 * {@code deadLetterReplay}.
 *
 * <p>A dead-letter queue is read without losing or reordering anything: one channel takes the messages
 * with {@code basic.get} in manual-ack mode, from the head, and holds them unacknowledged; a message
 * that is replayed or deleted is acked on that channel (a replayed one only after the broker confirmed
 * its republish), and every other one is given back with {@code basic.nack(requeue)} at the end, which
 * puts it back in its original place. If Caravan or the connection dies half-way, the broker requeues
 * whatever was not acked: a failure never loses a dead letter.
 *
 * <p>One call reads at most {@code caravan.ops.dead-letters.max-examined} messages, and never more
 * than the queue held when the call began, so a replayed message that fails again and comes back to
 * the tail is not replayed twice in one call. Answers say whether more remain.
 *
 * <p>A replay sends the message to the default exchange with routing key = its
 * {@code x-caravan-original-queue}, so it reaches exactly the queue it failed on (a fanout would copy it
 * into its sibling queues as well, which already had it). Several work queues may share one dead-letter
 * queue (seed 002's {@code events.neo4j} and {@code events.qdrant} both park in {@code events.dlq}): each
 * dead letter goes back to the one it failed on, found as {@link #originalQueue} says, and one whose
 * queue cannot be told is left in place and reported. Body, message id and the application's
 * headers are kept; {@code x-caravan-attempts} starts again at 0 (a fresh retry ladder),
 * {@code x-caravan-first-failure} is kept, {@code x-caravan-replayed-at} and
 * {@code x-caravan-replay-count} are set, and the other {@code x-caravan-*} headers, which describe the
 * failure that parked it, are dropped. Sinks are idempotent by message id, so replaying a message that
 * was stored after all stores nothing twice.
 */
@Component("deadLetterReplay")
public class DeadLetterReplay {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplay.class);

    /** Headers that describe the failure that parked a message; they go when it is replayed. */
    private static final List<String> FAILURE_HEADERS = List.of(DeadLetters.H_FAILURE, DeadLetters.H_REASON,
            DeadLetters.H_EXCEPTION, DeadLetters.H_ORIGINAL_QUEUE, DeadLetters.H_ORIGINAL_EXCHANGE,
            DeadLetters.H_ORIGINAL_ROUTING_KEY, DeadLetters.H_LAST_FAILURE, DeadLetters.H_ROUTE);

    /** A dead-letter queue Caravan owns and how many messages are ready on it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeadLetterQueue(String key, String queue, String deadLetterQueue, long depth) { }

    /**
     * One dead letter as listed.
     *
     * @param position     0-based place in the dead-letter queue when it was read
     * @param messageId    its AMQP message id, else the id derived from its bytes ({@link DeadLetters#id}):
     *                     every dead letter can be replayed and deleted by id
     * @param bodyEncoding {@code utf-8} when {@code body} is the text of the bytes, else {@code base64}
     * @param size         the body's length in bytes
     * @param headers      the message's other headers (the application's own)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeadLetter(long position, String messageId, String failure, String reason, String exception,
            String originalQueue, String originalExchange, String originalRoutingKey, Integer attempts,
            String firstFailure, String lastFailure, String route, Integer replayCount, String replayedAt,
            String contentType, int size, String bodyEncoding, String body, Map<String, Object> headers) { }

    /**
     * A page of a dead-letter queue, head first.
     *
     * @param depth messages ready on the queue when it was read
     * @param more  whether messages follow this page
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeadLetterPage(String queue, long depth, int offset, int limit, List<DeadLetter> deadLetters,
            boolean more) { }

    /** A selected dead letter whose republish the broker did not take; it stays in the dead-letter queue. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record NotReplayed(String messageId, String reason) { }

    /**
     * What a replay did.
     *
     * @param examined  dead letters read in this call
     * @param replayed  how many were sent back to their queue and removed from the dead-letter queue
     * @param ids       their message ids, in queue order
     * @param failed    selected ones the broker did not take back; still in the dead-letter queue
     * @param remaining messages in the dead-letter queue afterwards
     * @param more      whether the dead-letter queue holds messages this call did not examine
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ReplayReport(String queue, int examined, int replayed, List<String> ids, List<NotReplayed> failed,
            long remaining, boolean more) { }

    /**
     * What a delete did.
     *
     * @param deleted how many dead letters were removed for good
     * @param ids     their message ids, in queue order
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeletionReport(String queue, int examined, int deleted, List<String> ids, long remaining,
            boolean more) { }

    private final RabbitTemplate rabbit;
    private final ConfirmedPublisher publisher;
    private final BrokerProperties broker;
    private final DeadLetterProperties limits;
    private final RequestParameters parameters;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    // header strings of any length as text (the default leaves long ones as raw LongStrings)
    private final MessagePropertiesConverter converter = new DefaultMessagePropertiesConverter(Integer.MAX_VALUE);
    /** One reader per dead-letter queue in this instance, so a listing never sees messages another call holds. */
    private final Map<String, Object> queueLocks = new ConcurrentHashMap<>();

    public DeadLetterReplay(RabbitTemplate rabbit, ConfirmedPublisher publisher, BrokerProperties broker,
            DeadLetterProperties limits, RequestParameters parameters, ObjectMapper json, MeterRegistry meters) {
        this.rabbit = rabbit;
        this.publisher = publisher;
        this.broker = broker;
        this.limits = limits;
        this.parameters = parameters;
        this.json = json;
        this.meters = meters;
    }

    /** Every dead-letter queue Caravan owns, with its depth. */
    public List<DeadLetterQueue> queues() {
        return broker.queues().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new DeadLetterQueue(e.getKey(), e.getValue().name(), e.getValue().deadLetterQueue(),
                        depth(e.getValue().deadLetterQueue())))
                .toList();
    }

    /**
     * A page of the dead letters in {@code queue}, head first; they all stay where they are.
     *
     * @param offset how many to skip (0 to {@code max-examined}, default 0)
     * @param limit  how many to show (1 to {@code max-page-size}, default 50)
     */
    public DeadLetterPage list(String queue, String offset, String limit) {
        return list(queue, offset, limit, DeadLetterSelection.ALL);
    }

    /**
     * A page of those dead letters in {@code queue} that {@code filter} selects, head first; they all stay
     * where they are. A filtered listing reads up to {@code max-examined} messages to find its page;
     * {@code offset} and {@code limit} count the selected ones.
     */
    public DeadLetterPage list(String queue, String offset, String limit, DeadLetterSelection filter) {
        String dlq = deadLetterQueue(queue).deadLetterQueue();
        int skip = parameters.boundedInt("offset", offset, 0, 0, limits.maxExamined());
        int size = parameters.boundedInt("limit", limit, Math.min(50, limits.maxPageSize()), 1, limits.maxPageSize());
        List<DeadLetter> page = new ArrayList<>();
        int[] selected = {0};
        Scan scan = scan(dlq, filter.all() ? skip + size : limits.maxExamined(), (position, got, props) -> {
            if (filter.matches(props.getMessageId(), props.getHeaders())) {
                int index = selected[0]++;
                if (index >= skip && index < skip + size) {
                    page.add(deadLetter(position, got.getBody(), props));
                }
            }
            return false;
        });
        boolean more = filter.all() ? scan.depthBefore() > skip + page.size() : selected[0] > skip + page.size() || scan.more();
        return new DeadLetterPage(dlq, scan.depthBefore(), skip, size, page, more);
    }

    /** {@link #list(String, String, String, DeadLetterSelection)} with the listing's query filters (400 naming a wrong one). */
    public DeadLetterPage list(String queue, String offset, String limit, String messageId, String originalQueue,
                               String reason, String failure, String failedAfter, String failedBefore) {
        return list(queue, offset, limit, DeadLetterSelection.filters(messageId, originalQueue, reason, failure,
                failedAfter, failedBefore, json, limits.maxExamined()));
    }

    /** Reads a replay or delete request body; a wrong field is a 400 naming it. */
    public DeadLetterSelection selection(String body) {
        return DeadLetterSelection.parse(body, json, limits.maxExamined());
    }

    /** Sends the selected dead letters of {@code queue} back to the queues they failed on. */
    public ReplayReport replay(String queue, DeadLetterSelection selection) {
        List<BrokerProperties.QueueSpec> served = workQueuesOf(queue);
        String dlq = served.get(0).deadLetterQueue();
        List<String> ids = new ArrayList<>();
        List<NotReplayed> failed = new ArrayList<>();
        Counter replayed = Counter.builder("caravan.messages.replayed")
                .description("Dead letters sent back to the queue they failed on")
                .tag("queue", dlq)
                .register(meters);
        Scan scan = scan(dlq, bound(selection), (position, got, props) -> {
            if (!selection.matches(props.getMessageId(), props.getHeaders())) {
                return false;
            }
            String target = originalQueue(props.getHeaders(), served);
            if (target == null) {
                String why = "no x-caravan-original-queue or x-death header, and " + dlq + " serves several queues";
                LOG.warn("Could not replay dead letter {} from {}; it stays there: {}", props.getMessageId(), dlq, why);
                failed.add(new NotReplayed(props.getMessageId(), why));
                return false;
            }
            try {
                Message message = republished(got.getBody(), props);
                publisher.publish("", target, message);
            } catch (PublishFailedException e) {
                LOG.warn("Could not replay dead letter {} from {} to {}; it stays in {}: {}",
                        props.getMessageId(), dlq, target, dlq, e.getMessage());
                failed.add(new NotReplayed(props.getMessageId(), e.getMessage()));
                return false;
            }
            replayed.increment();
            ids.add(props.getMessageId());
            LOG.info("Replayed dead letter {} from {} to {}", props.getMessageId(), dlq, target);
            return true;
        });
        return new ReplayReport(dlq, scan.examined(), ids.size(), ids, failed, scan.depthAfter(), scan.more());
    }

    /** Replays the dead letters with this message id; 404 if there is none among those examined. */
    public ReplayReport replayMessage(String queue, String messageId) {
        ReplayReport report = replay(queue, DeadLetterSelection.byMessageId(messageId));
        if (report.replayed() == 0 && !report.failed().isEmpty()) {
            throw new PublishFailedException(report.failed().get(0).reason());
        }
        if (report.replayed() == 0) {
            throw new NotFoundException(notFound(report.queue(), messageId, report.examined(), report.more()));
        }
        return report;
    }

    /** Removes the selected dead letters of {@code queue} for good. */
    public DeletionReport delete(String queue, DeadLetterSelection selection) {
        String dlq = deadLetterQueue(queue).deadLetterQueue();
        List<String> ids = new ArrayList<>();
        Scan scan = scan(dlq, bound(selection), (position, got, props) -> {
            if (!selection.matches(props.getMessageId(), props.getHeaders())) {
                return false;
            }
            ids.add(props.getMessageId());
            LOG.info("Deleted dead letter {} from {} ({}: {})", props.getMessageId(), dlq,
                    header(props.getHeaders(), DeadLetters.H_FAILURE), header(props.getHeaders(), DeadLetters.H_REASON));
            return true;
        });
        return new DeletionReport(dlq, scan.examined(), ids.size(), ids, scan.depthAfter(), scan.more());
    }

    /** Deletes the dead letters with this message id; 404 if there is none among those examined. */
    public DeletionReport deleteMessage(String queue, String messageId) {
        DeletionReport report = delete(queue, DeadLetterSelection.byMessageId(messageId));
        if (report.deleted() == 0) {
            throw new NotFoundException(notFound(report.queue(), messageId, report.examined(), report.more()));
        }
        return report;
    }

    /** Decides for one dead letter: {@code true} takes it (acks it away), {@code false} leaves it in place. */
    @FunctionalInterface
    private interface Visitor {
        boolean take(long position, GetResponse got, MessageProperties props) throws IOException;
    }

    /** What one pass over a dead-letter queue saw. */
    private record Scan(long depthBefore, int examined, long depthAfter, boolean more) { }

    /**
     * Reads up to {@code max} messages from the head of {@code dlq} on one channel, acks those the
     * visitor takes (right after it returned), and gives every other one back in its place.
     */
    private Scan scan(String dlq, int max, Visitor visitor) {
        synchronized (queueLocks.computeIfAbsent(dlq, q -> new Object())) {
            return rabbit.execute(channel -> {
                long depthBefore = channel.queueDeclarePassive(dlq).getMessageCount();
                long bound = Math.min(depthBefore, max);
                int examined = 0;
                int taken = 0;
                try {
                    while (examined < bound) {
                        GetResponse got = channel.basicGet(dlq, false);
                        if (got == null) {
                            break;
                        }
                        MessageProperties props = converter.toMessageProperties(got.getProps(), got.getEnvelope(),
                                StandardCharsets.UTF_8.name());
                        // one the broker parked itself (TTL) has no id: the same derived id Caravan gives its own
                        props.setMessageId(DeadLetters.id(props.getMessageId(), got.getBody()));
                        if (visitor.take(examined++, got, props)) {
                            channel.basicAck(got.getEnvelope().getDeliveryTag(), false);
                            taken++;
                        }
                    }
                } finally {
                    giveBack(channel, dlq, examined - taken);
                }
                // The broker may count the requeued messages a moment after this channel handed them back
                // (classic queues settle through a delegate), so what was there before, less what was
                // taken, is the floor of what is there now.
                long depthAfter = Math.max(channel.queueDeclarePassive(dlq).getMessageCount(), depthBefore - taken);
                // left in place: examined - taken; anything beyond that was not looked at in this call
                return new Scan(depthBefore, examined, depthAfter, depthAfter > examined - taken);
            });
        }
    }

    /** Requeues every message this channel still holds; the broker puts each back in its original place. */
    private static void giveBack(Channel channel, String dlq, int held) {
        if (held <= 0) {
            return;
        }
        try {
            channel.basicNack(0, true, true); // delivery tag 0 + multiple: all outstanding on this channel
        } catch (IOException | RuntimeException e) {
            // the channel is gone, and with it the broker requeues everything it held
            LOG.warn("Could not hand {} message(s) back to {} at once; the broker requeues them when the channel closes: {}",
                    held, dlq, e.getMessage());
        }
    }

    private int bound(DeadLetterSelection selection) {
        return selection.maxExamined() == null ? limits.maxExamined() : Math.min(selection.maxExamined(), limits.maxExamined());
    }

    private BrokerProperties.QueueSpec deadLetterQueue(String queue) {
        return workQueuesOf(queue).get(0);
    }

    /**
     * The queue a dead letter failed on: Caravan's {@code x-caravan-original-queue}; else, for a message
     * the broker dead-lettered (e.g. its TTL ran out on the work queue), the queue of the latest
     * {@code x-death} entry (a retry queue standing for its work queue); else the work queue, if the
     * dead-letter queue serves only one. Null when that leaves it open (a dead-letter queue shared by
     * several queues, such as {@code events.dlq}): replaying into the wrong queue, or into all of
     * them, would be worse than leaving it parked.
     */
    static String originalQueue(Map<String, Object> headers, List<BrokerProperties.QueueSpec> served) {
        String original = header(headers, DeadLetters.H_ORIGINAL_QUEUE);
        if (original != null && !original.isBlank()) {
            return original;
        }
        if (headers.get("x-death") instanceof List<?> deaths && !deaths.isEmpty()
                && deaths.get(0) instanceof Map<?, ?> latest && latest.get("queue") != null) {
            String died = latest.get("queue").toString();
            return served.stream().filter(spec -> spec.retryQueues().contains(died)).map(BrokerProperties.QueueSpec::name)
                    .findFirst().orElse(died);
        }
        return served.size() == 1 ? served.get(0).name() : null;
    }

    /** The work queues whose dead-letter queue is {@code queue} (several may share one), in key order; 404 if none. */
    private List<BrokerProperties.QueueSpec> workQueuesOf(String queue) {
        List<BrokerProperties.QueueSpec> served = broker.queues().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue)
                .filter(spec -> spec.deadLetterQueue().equals(queue))
                .toList();
        if (!served.isEmpty()) {
            return served;
        }
        throw new NotFoundException("'%s' is not one of Caravan's dead-letter queues (%s)"
                        .formatted(queue, String.join(", ", broker.queues().values().stream()
                                .map(BrokerProperties.QueueSpec::deadLetterQueue).distinct().sorted().toList())));
    }

    /** Taken under the queue's lock: a listing in progress holds messages unacknowledged, which the count would miss. */
    private long depth(String queue) {
        synchronized (queueLocks.computeIfAbsent(queue, q -> new Object())) {
            return rabbit.execute(channel -> (long) channel.queueDeclarePassive(queue).getMessageCount());
        }
    }

    /** The message to send back: same body and id, the application's headers, a fresh retry ladder. */
    private static Message republished(byte[] body, MessageProperties props) {
        Map<String, Object> headers = props.getHeaders();
        int replays = 1 + intHeader(headers, DeadLetters.H_REPLAY_COUNT, 0);
        FAILURE_HEADERS.forEach(headers::remove);
        headers.put(DeadLetters.H_ATTEMPTS, 0);
        headers.put(DeadLetters.H_REPLAYED_AT, Instant.now().toString());
        headers.put(DeadLetters.H_REPLAY_COUNT, replays);
        // the converter leaves the delivery mode unset on received properties; accepted means durable
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        // the broker checks user-id against the publishing connection, and the replay is Caravan's publish
        props.setUserId(null);
        return new Message(body, props);
    }

    private static DeadLetter deadLetter(long position, byte[] body, MessageProperties props) {
        Map<String, Object> headers = props.getHeaders();
        Map<String, Object> own = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!name.startsWith("x-caravan-")) {
                own.put(name, value);
            }
        });
        String text = utf8(body);
        return new DeadLetter(position, props.getMessageId(),
                header(headers, DeadLetters.H_FAILURE), header(headers, DeadLetters.H_REASON),
                header(headers, DeadLetters.H_EXCEPTION), header(headers, DeadLetters.H_ORIGINAL_QUEUE),
                header(headers, DeadLetters.H_ORIGINAL_EXCHANGE), header(headers, DeadLetters.H_ORIGINAL_ROUTING_KEY),
                intHeaderOrNull(headers, DeadLetters.H_ATTEMPTS), header(headers, DeadLetters.H_FIRST_FAILURE),
                header(headers, DeadLetters.H_LAST_FAILURE), header(headers, DeadLetters.H_ROUTE),
                intHeaderOrNull(headers, DeadLetters.H_REPLAY_COUNT), header(headers, DeadLetters.H_REPLAYED_AT),
                props.getContentType(), body.length, text != null ? "utf-8" : "base64",
                text != null ? text : Base64.getEncoder().encodeToString(body), own);
    }

    /** The bytes as text if they are valid UTF-8, else null. */
    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String notFound(String dlq, String messageId, int examined, boolean more) {
        return "No dead letter with message id '%s' among the %d examined in %s%s"
                .formatted(messageId, examined, dlq, more ? " (more remain beyond the examined ones)" : "");
    }

    private static String header(Map<String, Object> headers, String name) {
        Object value = headers.get(name);
        return value == null ? null : value.toString();
    }

    private static Integer intHeaderOrNull(Map<String, Object> headers, String name) {
        Object value = headers.get(name);
        if (value instanceof Number n) {
            return n.intValue();
        }
        try {
            return value == null ? null : Integer.valueOf(value.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int intHeader(Map<String, Object> headers, String name, int fallback) {
        Integer value = intHeaderOrNull(headers, name);
        return value == null ? fallback : value;
    }
}
