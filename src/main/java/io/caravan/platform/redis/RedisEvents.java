package io.caravan.platform.redis;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/** Redis pub/sub for Caravan's live events (chat-relay session changes). */
@Configuration(proxyBeanMethods = false)
public class RedisEvents {

    @Bean
    RedisMessageListenerContainer redisListeners(RedisConnectionFactory redis) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(redis);
        return container;
    }
}
