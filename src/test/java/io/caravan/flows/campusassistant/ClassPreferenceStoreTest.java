package io.caravan.flows.campusassistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The Redis state stores on the machine's real Redis (keys with a random student id), and on a closed port. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClassPreferenceStoreTest {

    final ObjectMapper json = new ObjectMapper();
    final CampusStateProperties settings = new CampusStateProperties(
            new CampusStateProperties.Conversation("conversation:", Duration.ofMinutes(10), 3),
            new CampusStateProperties.Preferences("class_preferences:", Duration.ofMinutes(20)));
    final List<LettuceConnectionFactory> factories = new ArrayList<>();
    final long student = ThreadLocalRandom.current().nextLong(100_000_000L, Integer.MAX_VALUE);

    @AfterEach
    void close() {
        StringRedisTemplate redis = redis(port());
        redis.delete(List.of("conversation:" + student, "class_preferences:" + student));
        factories.forEach(LettuceConnectionFactory::destroy);
    }

    @Test
    void concurrentAnswersForOneStudentAreAllKept() throws Exception {
        ClassPreferenceStore store = new ClassPreferenceStore(redis(port()), json, settings);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String key = "key-" + i;
                answers.add(threads.submit(() -> store.update(student, key, key.length(), "in_progress")));
            }
            for (Future<?> answer : answers) {
                answer.get(20, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> preferences = (Map<String, Object>) store.find(student).get("preferences");
        assertThat(preferences).hasSize(40);
        assertThat(redis(port()).getExpire("class_preferences:" + student, TimeUnit.SECONDS)).isBetween(1190L, 1200L);
    }

    @Test
    void twoInstancesAnsweringForOneStudentKeepEveryAnswer() throws Exception {
        // two stores on their own connections: two Caravan instances, kept apart only by WATCH
        List<ClassPreferenceStore> instances = List.of(new ClassPreferenceStore(redis(port()), json, settings),
                new ClassPreferenceStore(redis(port()), json, settings));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Map<String, Object>>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String key = "key-" + i;
                ClassPreferenceStore instance = instances.get(i % 2);
                answers.add(threads.submit(() -> instance.update(student, key, key.length(), "in_progress")));
            }
            for (Future<Map<String, Object>> answer : answers) {
                assertThat(answer.get(20, TimeUnit.SECONDS)).containsEntry("cached", true);
            }
        } finally {
            threads.shutdownNow();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> preferences = (Map<String, Object>) instances.get(0).find(student).get("preferences");
        assertThat(preferences).hasSize(40);
    }

    @Test
    void theConversationKeepsAtMostMaxTurns() {
        ConversationStore store = new ConversationStore(redis(port()), json, settings);

        for (int turn = 1; turn <= 5; turn++) {
            assertThat(store.record(Map.of("id", "m" + turn, "student_id", student, "message", "q" + turn, "response", "a" + turn,
                    "intent", "i" + turn, "timestamp", "t" + turn))).isTrue();
        }

        Map<String, Object> state = store.find(student);
        assertThat(state).containsEntry("last_intent", "i5").containsEntry("updated_at", "t5");
        List<String> messages = ((List<?>) state.get("turns")).stream().map(turn -> String.valueOf(((Map<?, ?>) turn).get("message"))).toList();
        assertThat(messages).containsExactly("q3", "q4", "q5");
        assertThat(redis(port()).getExpire("conversation:" + student, TimeUnit.SECONDS)).isBetween(590L, 600L);
    }

    @Test
    void withRedisDownTheAnswerIsNotCachedButTheDialogueGoesOn() throws Exception {
        StringRedisTemplate down = redis(closedPort());
        ClassPreferenceStore preferences = new ClassPreferenceStore(down, json, settings);
        ConversationStore conversations = new ConversationStore(down, json, settings);

        Map<String, Object> state = preferences.update(student, "time_period", "morning", "complete");
        boolean cached = conversations.record(Map.of("id", "m", "student_id", student, "message", "q", "response", "a", "intent", "i"));

        assertThat(state).containsEntry("cached", false).containsEntry("step", "complete")
                .containsEntry("preferences", Map.of("time_period", "morning"));
        assertThat(cached).isFalse();
        assertThatThrownBy(() -> conversations.find(student)).isInstanceOf(DataAccessException.class);
    }

    private StringRedisTemplate redis(int port) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(env("REDIS_HOST", "127.0.0.1"), port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        factory.afterPropertiesSet();
        factory.start();
        factories.add(factory);
        return new StringRedisTemplate(factory);
    }

    private static int port() {
        return Integer.parseInt(env("REDIS_PORT", "6379"));
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
