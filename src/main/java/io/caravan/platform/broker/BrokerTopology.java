package io.caravan.platform.broker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.ShutdownSignalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.ExchangeBuilder;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares the broker topology Caravan owns, durable, from {@link BrokerProperties}: exchanges, work
 * queues and their bindings, their dead-letter queues and the retry queues of their ladders. Spring's {@code RabbitAdmin} declares
 * these whenever a connection opens, so a restarted broker gets them back.
 *
 * <p>Work queues carry no dead-letter arguments: Caravan parks failed messages itself (with the reason
 * in the headers), so a seed client that declares {@code chat_history} as a plain durable queue keeps
 * working against the same queue. A queue with a length limit gets {@code x-overflow=reject-publish}:
 * a full queue refuses the publish (the caller learns of it) instead of silently dropping its oldest
 * message.
 *
 * <p>Each queue is {@code classic} or {@code quorum} ({@code caravan.broker.queue-type}, or per queue
 * {@code caravan.broker.queues.<key>.type}); its retry queues and dead-letter queue are of the same type.
 * A quorum queue is replicated over the cluster and the broker confirms a publish only once a majority
 * of nodes has it. Its retry queues hand messages back with at-least-once dead-lettering (which needs
 * {@code x-overflow=reject-publish}), so that a node dying between two queues loses no retry. The work
 * queue itself gets a dead-letter target and {@code x-delivery-limit}: Caravan still parks poison
 * itself, the limit only catches a message whose consumer dies every time it holds it.
 *
 * <p>At start-up the topology is declared once, eagerly: a queue that already exists with other
 * arguments, or of the other type, stops Caravan with a message naming the queue and what to do; an
 * unreachable broker does not (the outbox takes messages until it is back, and the declarations happen
 * on reconnect).
 */
@Configuration(proxyBeanMethods = false)
public class BrokerTopology {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerTopology.class);
    private static final Set<String> NUMERIC_ARGUMENTS = Set.of(
            "x-message-ttl", "x-max-length", "x-max-length-bytes", "x-expires", "x-max-priority", "x-delivery-limit");
    // a dead-lettered message leaves its quorum queue only once the target confirmed it; needs reject-publish
    private static final Map<String, Object> AT_LEAST_ONCE_DEAD_LETTERING = Map.of(
            "x-dead-letter-strategy", "at-least-once", "x-overflow", "reject-publish");
    // "inequivalent arg 'x-queue-type' for queue 'q' in vhost 'v': received the value 'quorum' of type
    // 'longstr' but current is none" (and the other way round: "received none but current is the value ...")
    private static final Pattern TYPE_MISMATCH = Pattern.compile("inequivalent arg 'x-queue-type' for queue '([^']*)'"
            + "[^:]*: received (?:none|the value '([^']*)'[^,]*?) but current is (?:none|the value '([^']*)')");
    private static final Pattern ARGUMENT_MISMATCH = Pattern.compile("inequivalent arg '([^']*)' for queue '([^']*)'"
            + "[^:]*: received .*? but current is (?:none|the value '([^']*)' of type '([^']*)')");

    @Bean
    Declarables caravanQueues(BrokerProperties broker) {
        List<Declarable> declarables = new ArrayList<>();
        for (BrokerProperties.ExchangeSpec exchange : broker.exchanges().values()) {
            declarables.add(new ExchangeBuilder(exchange.name(), exchange.type()).durable(true).build());
        }
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            declarables.add(QueueBuilder.durable(queue.name()).withArguments(workQueueArguments(queue, broker.deliveryLimit())).build());
            for (BrokerProperties.BindingSpec binding : queue.bindings()) {
                declarables.add(new Binding(queue.name(), Binding.DestinationType.QUEUE, binding.exchange(),
                        binding.routingKey(), null));
            }
            declarables.add(QueueBuilder.durable(queue.deadLetterQueue()).withArguments(typeArguments(queue)).build());
            for (int step = 1; step <= queue.retryDelays().size(); step++) {
                // a retry queue holds a message for its delay, then the broker dead-letters it back
                // to the work queue: the wait survives a Caravan restart and holds no thread
                Map<String, Object> arguments = typeArguments(queue);
                if (queue.quorum()) {
                    arguments.putAll(AT_LEAST_ONCE_DEAD_LETTERING);
                }
                declarables.add(QueueBuilder.durable(queue.retryQueue(step))
                        .withArguments(arguments)
                        .ttl(Math.toIntExact(queue.retryDelays().get(step - 1).toMillis()))
                        .deadLetterExchange("")
                        .deadLetterRoutingKey(queue.name())
                        .build());
            }
        }
        return new Declarables(declarables);
    }

    @Bean
    SmartInitializingSingleton declareTopologyAtStartup(ObjectProvider<RabbitAdmin> admin, BrokerProperties broker) {
        return () -> admin.ifAvailable(a -> declareOrFail(a, broker));
    }

    static void declareOrFail(RabbitAdmin admin, BrokerProperties broker) {
        try {
            admin.initialize();
        } catch (AmqpConnectException e) {
            LOG.warn("Broker not reachable at start-up ({}); queues will be declared when it is", e.getMessage());
        } catch (AmqpException e) {
            String reason = brokerReason(e);
            if (reason != null && reason.contains("PRECONDITION_FAILED")) {
                String typeMismatch = typeMismatch(reason, broker);
                if (typeMismatch == null) {
                    typeMismatch = probeForTypeMismatch(admin, reason, broker);
                }
                throw new IllegalStateException(typeMismatch != null ? typeMismatch
                        : "A queue already exists on the broker with other arguments than Caravan declares "
                        + "(caravan.broker.queues.*): " + reason + ". Align the settings, or delete the queue "
                        + "(its messages are lost) and start again.", e);
            }
            throw e;
        }
    }

    /**
     * What to do about a queue that exists with the other type, if that is what the broker refused; a
     * queue's type is fixed at creation, so the operator must choose between the setting and a move.
     */
    static String typeMismatch(String reason, BrokerProperties broker) {
        Matcher m = TYPE_MISMATCH.matcher(reason);
        if (!m.find()) {
            return null;
        }
        String queue = m.group(1);
        String wanted = m.group(2) == null ? "classic" : m.group(2);
        String current = m.group(3) == null ? "classic" : m.group(3);
        String setting = broker.queues().entrySet().stream()
                .filter(e -> e.getValue().name().equals(queue) || e.getValue().deadLetterQueue().equals(queue)
                        || e.getValue().retryQueues().contains(queue))
                .map(e -> "caravan.broker.queues." + e.getKey() + ".type")
                .findFirst().orElse("caravan.broker.queues.<key>.type");
        return "Queue '" + queue + "' exists on the broker as a " + current + " queue, but Caravan is set to declare it "
                + "as a " + wanted + " queue (" + setting + ", default caravan.broker.queue-type). RabbitMQ cannot "
                + "change a queue's type in place. Either set " + setting + "=" + current + ", or move the queue to the "
                + "new type: stop the producers and Caravan, move its messages to a temporary queue (shovel), delete "
                + "the queue, start Caravan (it declares the queue as " + wanted + ") and move the messages back; "
                + "docs/rabbitmq-cluster.md, \"Moving a queue to another type\". Broker said: " + reason;
    }

    /**
     * The broker names the first argument that differs, and checks {@code x-queue-type} after most others:
     * so a queue of the other type often shows up as "inequivalent arg 'x-dead-letter-exchange'". To tell
     * the operator what really differs, declare the queue again with the broker's current value of each
     * argument it names, until it names the type (or accepts: then only arguments differ). The probes
     * change nothing on the broker: a declaration equivalent to the existing queue is a no-op.
     */
    static String probeForTypeMismatch(RabbitAdmin admin, String reason, BrokerProperties broker) {
        Matcher named = ARGUMENT_MISMATCH.matcher(reason);
        if (!named.find()) {
            return null;
        }
        String queueName = named.group(2);
        Map<String, Object> arguments = new BrokerTopology().caravanQueues(broker).getDeclarables().stream()
                .filter(d -> d instanceof Queue q && q.getName().equals(queueName))
                .map(d -> new LinkedHashMap<>(((Queue) d).getArguments()))
                .findFirst().orElse(null);
        if (arguments == null) {
            return null;
        }
        String said = reason;
        for (int round = 0; round < 16; round++) {
            String typeMismatch = typeMismatch(said, broker);
            if (typeMismatch != null) {
                return typeMismatch;
            }
            Matcher m = ARGUMENT_MISMATCH.matcher(said);
            if (!m.find() || !m.group(2).equals(queueName)) {
                return null;
            }
            if (m.group(3) == null) {
                arguments.remove(m.group(1));
            } else {
                arguments.put(m.group(1), typed(m.group(3), m.group(4)));
            }
            try {
                Map<String, Object> probe = Map.copyOf(arguments);
                admin.getRabbitTemplate().execute(channel -> channel.queueDeclare(queueName, true, false, false, probe));
                return null; // equivalent now: arguments differ, not the type
            } catch (AmqpException e) {
                said = brokerReason(e);
                if (said == null) {
                    return null;
                }
            }
        }
        return null;
    }

    private static Object typed(String value, String amqpType) {
        return switch (amqpType) {
            case "signedint", "long", "short", "byte", "unsignedbyte", "unsignedshort", "unsignedint" -> {
                long number = Long.parseLong(value);
                yield number >= Integer.MIN_VALUE && number <= Integer.MAX_VALUE ? (Object) (int) number : (Object) number;
            }
            case "bool" -> Boolean.valueOf(value);
            default -> value;
        };
    }

    /** The broker's own words for a channel or connection error, if that is what {@code e} carries. */
    private static String brokerReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException signal) {
                return signal.getMessage();
            }
            if (t.getMessage() != null && t.getMessage().contains("PRECONDITION_FAILED")) {
                return t.getMessage();
            }
        }
        return null;
    }

    /**
     * A work queue's arguments: the configured ones ({@link #workQueueArguments(Map)}) and, for a quorum
     * queue, its type, a delivery limit and where that limit (or a TTL) sends a message, at least once.
     */
    static Map<String, Object> workQueueArguments(BrokerProperties.QueueSpec queue, int deliveryLimit) {
        Map<String, Object> arguments = workQueueArguments(queue.arguments());
        if (!queue.quorum()) {
            return arguments;
        }
        if ("drop-head".equals(arguments.get("x-overflow"))) {
            throw new IllegalStateException("caravan.broker.queues: quorum queue '" + queue.name() + "' has x-overflow=drop-head, "
                    + "which would silently drop its oldest messages and turn off at-least-once dead-lettering; "
                    + "remove it (a full quorum queue refuses publishes)");
        }
        arguments.putAll(typeArguments(queue));
        arguments.putIfAbsent("x-delivery-limit", deliveryLimit);
        arguments.putIfAbsent("x-dead-letter-exchange", "");
        arguments.putIfAbsent("x-dead-letter-routing-key", queue.deadLetterQueue());
        arguments.putAll(AT_LEAST_ONCE_DEAD_LETTERING);
        return arguments;
    }

    /** {@code x-queue-type} for a quorum queue; nothing for a classic one (as Caravan always declared them). */
    static Map<String, Object> typeArguments(BrokerProperties.QueueSpec queue) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        if (queue.quorum()) {
            arguments.put("x-queue-type", BrokerProperties.QueueType.QUORUM.argument());
        }
        return arguments;
    }

    /** Numbers from properties arrive as text; length-limited queues reject publishes when full. */
    static Map<String, Object> workQueueArguments(Map<String, Object> configured) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        configured.forEach((name, value) -> arguments.put(name,
                NUMERIC_ARGUMENTS.contains(name) && value instanceof String text ? Long.valueOf(text.trim()) : value));
        arguments.replaceAll((name, value) -> value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE
                ? Integer.valueOf(l.intValue()) : value);
        if ((arguments.containsKey("x-max-length") || arguments.containsKey("x-max-length-bytes"))
                && !arguments.containsKey("x-overflow")) {
            arguments.put("x-overflow", "reject-publish");
        }
        return arguments;
    }
}
