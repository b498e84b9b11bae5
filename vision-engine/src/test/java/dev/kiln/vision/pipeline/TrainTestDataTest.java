package dev.kiln.vision.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.imagedata.binary.IdxFile;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.vision.RepoFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-in data read the way every data set is read: as an archive, validated and packed. */
class TrainTestDataTest {

    @Test
    void fashionMnistKeepsItsFilesImagesLabelsAndOrder() throws IOException {
        Path dir = RepoFiles.installed("fashion-mnist", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

        TrainTestData data = TrainTestData.load("fashion-mnist", RepoFiles.dataDir());

        assertThat(data.train().size()).isEqualTo(60_000);
        assertThat(data.test().size()).isEqualTo(10_000);
        assertThat(List.of(data.train().channels(), data.train().height(), data.train().width()))
                .containsExactly(1, 28, 28);
        assertThat(data.train().classes()).isEqualTo(CatalogArchive.FASHION_MNIST_CLASSES);
        assertThat(data.train().pixels()).isEqualTo(IdxFile.read(dir.resolve("train-images-idx3-ubyte.gz")).data());
        assertThat(data.test().pixels()).isEqualTo(IdxFile.read(dir.resolve("t10k-images-idx3-ubyte.gz")).data());
        assertThat(data.test().labels()).isEqualTo(labels(dir.resolve("t10k-labels-idx1-ubyte.gz")));
    }

    @Test
    void theMnistSampleHoldsOutTheSameStratifiedFifthEveryTime() throws IOException {
        Path dir = RepoFiles.installed("mnist-sample", "images-idx3-ubyte.gz", "labels-idx1-ubyte.gz");

        TrainTestData data = TrainTestData.load("mnist-sample", RepoFiles.dataDir());

        assertThat(data.train().size()).isEqualTo(8_000);
        assertThat(data.test().size()).isEqualTo(2_000);
        assertThat(data.train().classes()).isEqualTo(CatalogArchive.DIGITS);
        int[] all = labels(dir.resolve("labels-idx1-ubyte.gz"));
        for (int digit = 0; digit < 10; digit++) {
            int label = digit;
            long inAll = Arrays.stream(all).filter(l -> l == label).count();
            assertThat(IntStream.of(data.test().labels()).filter(l -> l == label).count())
                    .as("digit %d held out", digit).isBetween(inAll / 5 - 1, inAll / 5 + 1);
        }
        assertThat(TrainTestData.load("mnist-sample", RepoFiles.dataDir()).test().pixels())
                .isEqualTo(data.test().pixels());
    }

    @Test
    void aSetNotInstalledNamesTheCommandThatInstallsIt(@TempDir Path empty) {
        assertThatThrownBy(() -> TrainTestData.load("cifar10", empty)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("./kiln data cifar10 --from DIR");
    }

    private static int[] labels(Path file) throws IOException {
        byte[] bytes = IdxFile.read(file).data();
        return IntStream.range(0, bytes.length).map(i -> bytes[i] & 0xff).toArray();
    }
}
