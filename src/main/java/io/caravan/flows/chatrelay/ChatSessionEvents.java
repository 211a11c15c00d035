package io.caravan.flows.chatrelay;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import io.caravan.platform.rest.NotFoundException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /chat/session/{sessionId}/events}: Server-Sent Events for a chat-relay session, the push
 * alternative to polling (seed 001's "WebSocket for real-time updates"). Sends the session as event
 * {@code session} now and on every change, and ends once it is completed or failed. Changes arrive
 * over Redis pub/sub, so the client may be connected to any Caravan instance.
 */
@RestController
public class ChatSessionEvents {

    private final ChatSessionStore sessions;
    private final RedisMessageListenerContainer listeners;
    private final Duration timeout;

    public ChatSessionEvents(ChatSessionStore sessions, RedisMessageListenerContainer listeners,
                             @Value("${caravan.chat-relay.events-timeout:2m}") Duration timeout) {
        this.sessions = sessions;
        this.listeners = listeners;
        this.timeout = timeout;
    }

    @GetMapping(path = "/chat/session/{sessionId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events(@PathVariable String sessionId, Authentication caller) {
        String roles = caller.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .map(a -> a.replaceFirst("^ROLE_", "")).collect(Collectors.joining(","));
        Map<String, Object> session;
        try {
            session = sessions.get(sessionId, caller.getName(), roles);
        } catch (NotFoundException e) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, e.getMessage());
        }
        SseEmitter emitter = new SseEmitter(timeout.toMillis());
        ChannelTopic topic = new ChannelTopic(ChatSessionStore.channel(sessionId));
        MessageListener listener = (message, pattern) -> send(emitter, new String(message.getBody(), java.nio.charset.StandardCharsets.UTF_8));
        Runnable unsubscribe = () -> listeners.removeMessageListener(listener, topic);
        emitter.onCompletion(unsubscribe);
        emitter.onTimeout(unsubscribe);
        emitter.onError(e -> unsubscribe.run());

        if (!ChatSessionStore.PENDING.equals(session.get("status"))) {
            sendAndEnd(emitter, session);
            return emitter;
        }
        listeners.addMessageListener(listener, topic);
        // it may have completed between the read above and the subscription
        Map<String, Object> now = sessions.find(sessionId);
        if (now != null && !ChatSessionStore.PENDING.equals(now.get("status"))) {
            sendAndEnd(emitter, now);
        } else {
            send(emitter, session);
        }
        return emitter;
    }

    private static void sendAndEnd(SseEmitter emitter, Object session) {
        try {
            emitter.send(SseEmitter.event().name("session").data(session, MediaType.APPLICATION_JSON));
            emitter.complete();
        } catch (IOException e) {
            emitter.completeWithError(e);
        }
    }

    private static void send(SseEmitter emitter, Object sessionJsonOrMap) {
        try {
            emitter.send(SseEmitter.event().name("session").data(sessionJsonOrMap,
                    sessionJsonOrMap instanceof String ? MediaType.TEXT_PLAIN : MediaType.APPLICATION_JSON));
            if (sessionJsonOrMap instanceof String text && !text.contains("\"status\":\"" + ChatSessionStore.PENDING + "\"")) {
                emitter.complete();
            }
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
        }
    }
}
