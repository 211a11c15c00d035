package io.caravan.broker;

import java.util.ArrayList;
import java.util.List;

import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares every queue Caravan owns, durable, from {@link BrokerProperties}. Spring's
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
        }
        return new Declarables(declarables);
    }
}
