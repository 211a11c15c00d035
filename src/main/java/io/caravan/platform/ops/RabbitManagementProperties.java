package io.caravan.platform.ops;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where RabbitMQ's management HTTP API is ({@code caravan.broker.management.*}). The queue operations
 * read statistics and rates from it; the user, password and vhost are those of {@code spring.rabbitmq.*}.
 *
 * @param url            the management plugin's base URL, e.g. {@code http://127.0.0.1:15672}
 * @param connectTimeout how long to wait for a connection before falling back to AMQP
 * @param readTimeout    how long to wait for an answer before falling back to AMQP
 */
@ConfigurationProperties("caravan.broker.management")
public record RabbitManagementProperties(
        @DefaultValue("http://127.0.0.1:15672") URI url,
        @DefaultValue("1s") Duration connectTimeout,
        @DefaultValue("3s") Duration readTimeout) {
}
