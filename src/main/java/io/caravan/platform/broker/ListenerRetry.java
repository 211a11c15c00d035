package io.caravan.platform.broker;

import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.amqp.rabbit.config.RetryInterceptorBuilder;
import org.springframework.amqp.rabbit.retry.ImmediateRequeueMessageRecoverer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The listener containers' own retry ({@code camel.component.spring-rabbitmq.retry}): none, and a
 * failure that escaped Camel's error policy (e.g. the dead-letter publish itself failed) puts the
 * message back on its queue. Spring AMQP's default recoverer would log "Message(s) dropped on
 * recovery" and ack it: lost. Redelivery belongs to Camel's policy and the retry ladder.
 */
@Configuration(proxyBeanMethods = false)
public class ListenerRetry {

    @Bean
    MethodInterceptor caravanListenerRetry() {
        return RetryInterceptorBuilder.stateless()
                .maxAttempts(1)
                .recoverer(new ImmediateRequeueMessageRecoverer())
                .build();
    }
}
