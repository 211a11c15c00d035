package io.caravan.platform.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.rabbitmq.client.Channel;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.springrabbit.CamelSimpleMessageListenerContainer;
import org.apache.camel.component.springrabbit.DefaultListenerContainerFactory;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareBatchMessageListener;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareMessageListener;
import org.springframework.amqp.rabbit.support.ListenerExecutionFailedException;
import org.springframework.stereotype.Component;

/**
 * Batches for the consumers of {@code durable-consumer} whose flow has a batch sink: the listener containers of
 * Camel's {@code spring-rabbitmq} component ({@code camel.component.spring-rabbitmq.listener-container-factory})
 * and the template's step that decides whether a message is stored now or with its batch.
 *
 * <p>For such a consumer the container takes up to {@code caravan.broker.queues.<key>.batch-size} delivered messages,
 * waiting at most {@code batch-wait} for them (Spring AMQP's consumer-side batching). Each message runs through the
 * consumer route as before (kept for dead-lettering, validated, checked, parsed; poison is parked alone by the
 * route's failure policy), but instead of going to the per-message sink it joins the batch ({@link #deliverNow}).
 * Then the batch sink gets them all, a {@code List<}{@link ConsumedMessage}{@code >}, and stores them in one
 * transaction. Only after it returned does the container ack the whole batch. If the batch sink fails, each message
 * of the batch runs through the route again with the batch closed, i.e. to the per-message sink under the route's
 * failure policy: a message the store refuses is parked alone, its neighbours are stored, a store that is down
 * sends each one up the retry ladder, exactly as without batching. What escapes even that (the broker refused a
 * dead letter) fails the whole batch, and the container puts every message of it back on the queue: sinks are
 * idempotent by message id, so nothing is lost and nothing stored twice.
 *
 * <p>Consumers without a batch sink get Camel's own containers, one message at a time.
 */
@Component(ConsumerBatches.BEAN)
public class ConsumerBatches extends DefaultListenerContainerFactory {

    public static final String BEAN = "consumerBatches";

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerBatches.class);

    /** A batching consumer: its queue, batch sink, size, wait and the counter of what it stored. */
    record Batching(String queue, String batchSink, int size, Duration maxWait) { }

    /** The messages of the batch being gathered on one container thread. */
    private static final class OpenBatch {
        final List<Message> messages;
        final List<ConsumedMessage> consumed;
        Message current;

        OpenBatch(int size) {
            messages = new ArrayList<>(size);
            consumed = new ArrayList<>(size);
        }
    }

    private final Map<String, Batching> byQueue = new ConcurrentHashMap<>();
    private final ThreadLocal<OpenBatch> open = new ThreadLocal<>();
    private final ProducerTemplate producer;
    private final MessageCounters counters;

    public ConsumerBatches(ProducerTemplate producer, MessageCounters counters) {
        this.producer = producer;
        this.counters = counters;
    }

    /** Makes the consumer of {@code queueName} a batching one (called by the template before its route starts). */
    void register(String queueName, String batchSink, int size, Duration wait) {
        byQueue.put(queueName, new Batching(queueName, batchSink, size, wait));
    }

    /** Makes the consumer of {@code queueName} take one message at a time again (from its next start). */
    void unregister(String queueName) {
        byQueue.remove(queueName);
    }

    /**
     * The template's step before the sink: {@code true} if this message goes to the per-message sink now, {@code false}
     * if it joined the batch being gathered on this thread (the batch sink stores it, the container acks it after).
     */
    public boolean deliverNow(Exchange exchange) {
        OpenBatch batch = open.get();
        if (batch == null) {
            return true;
        }
        batch.messages.add(batch.current);
        var in = exchange.getMessage();
        batch.consumed.add(new ConsumedMessage(exchange.getProperty(DurableConsumerTemplate.MESSAGE_ID, String.class),
                exchange.getProperty(DurableConsumerTemplate.MESSAGE_TIME, Date.class), in.getBody(),
                ConsumedMessages.routingKey(in.getHeader(DeadLetters.H_ORIGINAL_ROUTING_KEY),
                        in.getHeader(SpringRabbitMQConstants.ROUTING_KEY, String.class))));
        return false;
    }

    @Override
    public AbstractMessageListenerContainer createListenerContainer(SpringRabbitMQEndpoint endpoint) {
        Batching batching = byQueue.get(endpoint.getQueues());
        if (batching == null || batching.size() <= 1) {
            return super.createListenerContainer(endpoint);
        }
        BatchingContainer container = new BatchingContainer(endpoint, batching);
        container.setQueueNames(endpoint.getQueues().split(","));
        container.setAcknowledgeMode(endpoint.getAcknowledgeMode());
        container.setExclusive(endpoint.isExclusive());
        container.setNoLocal(endpoint.isNoLocal());
        container.setAutoDeclare(false); // Caravan declares its topology itself (BrokerTopology)
        if (endpoint.getComponent().getErrorHandler() != null) {
            container.setErrorHandler(endpoint.getComponent().getErrorHandler());
        }
        container.setShutdownTimeout(endpoint.getComponent().getShutdownTimeout());
        container.setConsumerArguments(endpoint.getConsumerArgs());
        container.setConsumerBatchEnabled(true);
        container.setBatchSize(batching.size());
        container.setBatchReceiveTimeout(Math.max(1, batching.maxWait().toMillis()));
        // the broker must be able to hand out a whole batch; more lets the next one arrive while this one is stored
        int prefetch = endpoint.getPrefetchCount() == null ? 0 : endpoint.getPrefetchCount();
        container.setPrefetchCount(Math.max(prefetch, batching.size()));
        // a failure that escaped the route's policy puts the batch back (no listener retry, no recoverer that acks)
        container.setDefaultRequeueRejected(true);
        LOG.info("Consumer of {}: batches of up to {} messages (wait {} ms) to {}, prefetch {}", batching.queue(),
                batching.size(), batching.maxWait().toMillis(), batching.batchSink(), Math.max(prefetch, batching.size()));
        return container;
    }

    /** Camel's simple container, with Camel's per-message listener wrapped in the batch listener below. */
    private final class BatchingContainer extends CamelSimpleMessageListenerContainer {
        private final Batching batching;

        BatchingContainer(SpringRabbitMQEndpoint endpoint, Batching batching) {
            super(endpoint);
            this.batching = batching;
        }

        @Override
        public void setMessageListener(MessageListener listener) {
            super.setMessageListener(listener instanceof ChannelAwareMessageListener camel
                    ? new BatchListener(camel, batching) : listener);
        }
    }

    /** Runs a delivered batch through Camel's listener message by message, then stores the batch. */
    private final class BatchListener implements ChannelAwareBatchMessageListener {
        private final ChannelAwareMessageListener camel;
        private final Batching batching;

        BatchListener(ChannelAwareMessageListener camel, Batching batching) {
            this.camel = camel;
            this.batching = batching;
        }

        @Override
        public void onMessage(Message message, Channel channel) throws Exception {
            camel.onMessage(message, channel);
        }

        @Override
        public void onMessageBatch(List<Message> messages, Channel channel) {
            OpenBatch batch = new OpenBatch(messages.size());
            open.set(batch);
            try {
                for (Message message : messages) {
                    batch.current = message;
                    deliver(message, channel);
                }
            } finally {
                open.remove();
            }
            if (batch.consumed.isEmpty()) {
                return;
            }
            Exchange stored = producer.send(batching.batchSink(), exchange -> exchange.getMessage().setBody(batch.consumed));
            if (stored.getException() == null) {
                counters.stored(batching.queue(), batch.consumed.size());
                return;
            }
            LOG.warn("Batch of {} from {} not stored as one ({}); storing each alone", batch.consumed.size(),
                    batching.queue(), DeadLetters.brief(stored.getException().getMessage()));
            for (Message message : batch.messages) {
                deliver(message, channel);
            }
        }

        private void deliver(Message message, Channel channel) {
            try {
                camel.onMessage(message, channel);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new ListenerExecutionFailedException("Consumer of " + batching.queue() + " failed", e, message);
            }
        }
    }
}
