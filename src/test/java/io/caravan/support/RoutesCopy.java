package io.caravan.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A private copy of {@code routes/} that a test can edit while Caravan runs on it. */
public final class RoutesCopy {

    private final Path dir;

    private RoutesCopy(Path dir) {
        this.dir = dir;
    }

    public static RoutesCopy of(Path source) {
        try {
            Path dir = Files.createTempDirectory("caravan-routes-");
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            return new RoutesCopy(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites {@code file} the way an editor saves it. */
    public void edit(String file, UnaryOperator<String> change) {
        write(file, change.apply(read(file)));
    }

    public void write(String file, String content) {
        try {
            Path tmp = Files.createTempFile(dir.getParent(), "edit-", ".tmp");
            Files.writeString(tmp, content);
            Files.move(tmp, dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
