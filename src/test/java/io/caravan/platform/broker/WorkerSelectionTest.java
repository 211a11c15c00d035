package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class WorkerSelectionTest {

    @Test
    void allRunsEveryTypeNoneRunsNoneAListRunsItsTypes() {
        WorkerSelection all = selection("all");
        WorkerSelection none = selection("none");
        WorkerSelection some = selection(" chat ", "notification");

        assertThat(all.apply("chat")).isEqualTo("true");
        assertThat(all.apply("preference")).isEqualTo("true");
        assertThat(none.apply("chat")).isEqualTo("false");
        assertThat(some.apply("chat")).isEqualTo("true");
        assertThat(some.apply("notification")).isEqualTo("true");
        assertThat(some.apply("preference")).isEqualTo("false");
    }

    @Test
    void aSelectionThatCannotMeanAnythingIsRefused() {
        assertThatThrownBy(() -> WorkerSelection.parse(List.of())).hasMessageContaining("empty");
        assertThatThrownBy(() -> WorkerSelection.parse(List.of("all", "chat"))).hasMessageContaining("stand alone");
        assertThatThrownBy(() -> WorkerSelection.parse(List.of("Chat Messages"))).hasMessageContaining("'Chat Messages'");
    }

    @Test
    void selectedTypesThatNoConsumerDeclaredAreNamed() {
        assertThat(WorkerSelection.unknown(Set.of("chat", "prefrence"), Set.of("chat", "preference", "notification")))
                .containsExactly("prefrence");
        assertThat(WorkerSelection.unknown(Set.of("all"), Set.of("chat"))).isEmpty();
        assertThat(WorkerSelection.unknown(Set.of("none"), Set.of())).isEmpty();
    }

    private static WorkerSelection selection(String... workers) {
        return new WorkerSelection(new DefaultCamelContext(), new WorkerProperties(List.of(workers)));
    }
}
