package io.caravan.broker;

import java.util.ArrayList;
import java.util.List;

import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares every queue Caravan owns, durable, from {@link BrokerProperties}: work queues, their
 * dead-letter queues and the retry queues of their ladders. Spring's
 * {@code RabbitAdmin} declares these whenever a connection opens, so a restarted broker gets them back.
 *
 * <p>Work queues carry no dead-letter arguments: Caravan parks failed messages itself (with the reason
 * in the headers), so a seed client that declares {@code chat_history} as a plain durable queue keeps
 * working against the same queue.
 */
@Configuration(proxyBeanMethods = false)
public class BrokerTopology {

    @Bean
    Declarables caravanQueues(BrokerProperties broker) {
        List<Declarable> declarables = new ArrayList<>();
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            declarables.add(QueueBuilder.durable(queue.name()).withArguments(queue.arguments()).build());
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
}
