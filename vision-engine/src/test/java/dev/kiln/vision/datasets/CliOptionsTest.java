package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CliOptionsTest {

    @Test
    void defaultsToFashionMnistAndMnistSampleUnderDotKiln() throws Exception {
        CliOptions options = CliOptions.parse();

        assertThat(options.names()).containsExactly("fashion-mnist", "mnist-sample");
        assertThat(options.dir()).isEqualTo(Path.of(".kiln/data"));
        assertThat(options.list()).isFalse();
    }

    @Test
    void listCoversAllDataSets() throws Exception {
        assertThat(CliOptions.parse("--list").names()).containsExactly("fashion-mnist", "mnist-sample", "mnist", "cifar10");
        assertThat(CliOptions.parse("cifar10", "--list").names()).containsExactly("cifar10");
    }

    @Test
    void parsesNamesAndOptionsInAnyOrder() throws Exception {
        CliOptions options = CliOptions.parse("data", "cifar10", "--dir", "/tmp/d", "--from=/x/y", "cifar10", "mnist-sample");

        assertThat(options.names()).containsExactly("cifar10", "mnist-sample");
        assertThat(options.dir()).isEqualTo(Path.of("/tmp/d"));
        assertThat(options.from()).isEqualTo(Path.of("/x/y"));
        assertThat(options.download()).isFalse();
        assertThat(CliOptions.parse("cifar10", "--download").download()).isTrue();
    }

    @Test
    void helpWins() throws Exception {
        assertThat(CliOptions.parse("cifar10", "-h").help()).isTrue();
        assertThat(CliOptions.parse("--help").help()).isTrue();
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> CliOptions.parse("emnist")).hasMessageContaining("unknown data set 'emnist'");
        assertThatThrownBy(() -> CliOptions.parse("--fast")).hasMessage("unknown option --fast");
        assertThatThrownBy(() -> CliOptions.parse("--dir")).hasMessageContaining("--dir needs a folder");
        assertThatThrownBy(() -> CliOptions.parse("--dir", "--list")).hasMessageContaining("--dir needs a folder");
        assertThatThrownBy(() -> CliOptions.parse("--from", "/x")).hasMessageContaining("cifar10 only");
        assertThatThrownBy(() -> CliOptions.parse("cifar10", "--from", "/x", "--download")).hasMessageContaining("not both");
        assertThatThrownBy(() -> CliOptions.parse("cifar10", "--download", "--list")).hasMessageContaining("--list only reports");
    }
}
