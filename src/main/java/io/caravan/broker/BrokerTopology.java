package io.caravan.broker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.rabbitmq.client.ShutdownSignalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.ExchangeBuilder;
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
 * <p>At start-up the topology is declared once, eagerly: a queue that already exists with other
 * arguments stops Caravan with a message naming the queue and the argument; an unreachable broker
 * does not (the outbox takes messages until it is back, and the declarations happen on reconnect).
 */
@Configuration(proxyBeanMethods = false)
public class BrokerTopology {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerTopology.class);
    private static final Set<String> NUMERIC_ARGUMENTS = Set.of(
            "x-message-ttl", "x-max-length", "x-max-length-bytes", "x-expires", "x-max-priority", "x-delivery-limit");

    @Bean
    Declarables caravanQueues(BrokerProperties broker) {
        List<Declarable> declarables = new ArrayList<>();
        for (BrokerProperties.ExchangeSpec exchange : broker.exchanges().values()) {
            declarables.add(new ExchangeBuilder(exchange.name(), exchange.type()).durable(true).build());
        }
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            declarables.add(QueueBuilder.durable(queue.name()).withArguments(workQueueArguments(queue.arguments())).build());
            for (BrokerProperties.BindingSpec binding : queue.bindings()) {
                declarables.add(new Binding(queue.name(), Binding.DestinationType.QUEUE, binding.exchange(),
                        binding.routingKey(), null));
            }
            declarables.add(QueueBuilder.durable(queue.deadLetterQueue()).build());
            for (int step = 1; step <= queue.retryDelays().size(); step++) {
                // a retry queue holds a message for its delay, then the broker dead-letters it back
                // to the work queue: the wait survives a Caravan restart and holds no thread
                declarables.add(QueueBuilder.durable(queue.retryQueue(step))
                        .ttl(Math.toIntExact(queue.retryDelays().get(step - 1).toMillis()))
                        .deadLetterExchange("")
                        .deadLetterRoutingKey(queue.name())
                        .build());
            }
        }
        return new Declarables(declarables);
    }

    @Bean
    SmartInitializingSingleton declareTopologyAtStartup(ObjectProvider<RabbitAdmin> admin) {
        return () -> admin.ifAvailable(BrokerTopology::declareOrFail);
    }

    static void declareOrFail(RabbitAdmin admin) {
        try {
            admin.initialize();
        } catch (AmqpConnectException e) {
            LOG.warn("Broker not reachable at start-up ({}); queues will be declared when it is", e.getMessage());
        } catch (AmqpException e) {
            String reason = brokerReason(e);
            if (reason != null && reason.contains("PRECONDITION_FAILED")) {
                throw new IllegalStateException("A queue already exists on the broker with other arguments than Caravan "
                        + "declares (caravan.broker.queues.*): " + reason + ". Align the settings, or delete the queue "
                        + "(its messages are lost) and start again.", e);
            }
            throw e;
        }
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
