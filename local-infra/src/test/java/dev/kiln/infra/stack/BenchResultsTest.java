package dev.kiln.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.infra.stack.BenchResults.Figure;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchResultsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aMedianInsideTheOtherRunsRangeIsNoise() {
        Figure recorded = new Figure("train mlp vs PyTorch", 1.00, 0.80, 1.30, true);
        Figure now = new Figure("train mlp vs PyTorch", 1.25, 1.10, 1.40, true);

        assertThat(BenchResults.verdict(recorded, now)).isEqualTo("within the noise");
    }

    @Test
    void separatedRangesMoveInTheFiguresDirection() {
        Figure ratio = new Figure("train mlp vs PyTorch", 0.50, 0.48, 0.52, true);
        Figure faster = new Figure("train mlp vs PyTorch", 1.10, 1.00, 1.20, true);
        Figure overhead = new Figure("platform vs in-process", 1.02, 1.01, 1.03, false);
        Figure slower = new Figure("platform vs in-process", 1.30, 1.25, 1.35, false);

        assertThat(BenchResults.verdict(ratio, faster)).isEqualTo("BETTER");
        assertThat(BenchResults.verdict(faster, ratio)).isEqualTo("WORSE");
        assertThat(BenchResults.verdict(overhead, slower)).isEqualTo("WORSE");
    }

    @Test
    void aFigureWithoutRoundsMovesBeyondTheTolerance() {
        Figure recorded = new Figure("study epochs vs grid", 0.40, 0.40, 0.40, false);

        assertThat(BenchResults.verdict(recorded, new Figure("study epochs vs grid", 0.43, 0.43, 0.43, false)))
                .isEqualTo("within the noise");
        assertThat(BenchResults.verdict(recorded, new Figure("study epochs vs grid", 0.30, 0.30, 0.30, false)))
                .isEqualTo("BETTER");
    }

    @Test
    void theCpuIsReadFromTheFirstProcessor(@TempDir Path dir) throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 25
                model\t\t: 1
                model name\t: AMD EPYC
                flags\t\t: fpu sse2 avx avx2 fma

                processor\t: 1
                model name\t: another
                flags\t\t: avx512f
                """);

        assertThat(BenchResults.cpu(cpuinfo)).isEqualTo("AMD EPYC (family 25, model 1), AVX2");
        assertThat(BenchResults.cpu(dir.resolve("missing"))).isEqualTo("unknown");
    }

    @Test
    void aComparisonAcrossCpusSaysSoFirst() throws Exception {
        JsonNode recorded = JSON.readTree("""
                {"recordedAt": "2026-12-07T05:48:00Z", "results": []}""");
        JsonNode zen5 = JSON.readTree("""
                {"recordedAt": "2026-12-08T05:48:00Z", "cpu": "AMD EPYC (family 26, model 2), AVX-512", "results": []}""");

        String acrossCpus = BenchResults.compare(recorded, zen5);
        assertThat(acrossCpus).contains("recorded on unknown, measured now on AMD EPYC (family 26, model 2), AVX-512");
        assertThat(acrossCpus.indexOf("the machines differ")).isLessThan(acrossCpus.indexOf("figure"));
        assertThat(BenchResults.compare(zen5, zen5)).doesNotContain("the machines differ");
    }

    @Test
    void theComparisonNamesEveryFigureAndCountsWhatMoved() throws Exception {
        JsonNode recorded = JSON.readTree("""
                {"recordedAt": "2026-12-03T09:00:00Z", "results": [
                  {"bench": "train", "model": "mlp", "ratio": 0.5, "ratioMin": 0.48, "ratioMax": 0.52,
                   "kilnImagesPerSecond": 24000, "fractionOfPeak": 0.19},
                  {"bench": "platform", "ratio": 1.03, "ratioMin": 1.02, "ratioMax": 1.04},
                  {"bench": "predict", "singleRatio": 0.3, "singleRatioMin": 0.25, "singleRatioMax": 0.35,
                   "batchRatio": 0.9, "batchRatioMin": 0.8, "batchRatioMax": 1.0, "paced": {"p99Millis": 27.6}},
                  {"bench": "study", "fraction": 0.4, "sameBest": true}]}""");
        JsonNode now = JSON.readTree("""
                {"recordedAt": "2026-12-04T09:00:00Z", "results": [
                  {"bench": "train", "model": "mlp", "ratio": 1.1, "ratioMin": 1.05, "ratioMax": 1.2,
                   "kilnImagesPerSecond": 50000, "fractionOfPeak": 0.4},
                  {"bench": "platform", "ratio": 1.035, "ratioMin": 1.02, "ratioMax": 1.05},
                  {"bench": "study", "fraction": 0.4, "sameBest": true},
                  {"bench": "predict", "singleRatio": 0.7, "singleRatioMin": 0.65, "singleRatioMax": 0.75,
                   "batchRatio": 0.92, "batchRatioMin": 0.9, "batchRatioMax": 0.95, "paced": {"p99Millis": 8.2},
                   "bareHttpRequestsPerSecond": 58000, "singleOfCeiling": 0.47},
                  {"bench": "train", "model": "lenet", "ratio": 1.2, "ratioMin": 1.1, "ratioMax": 1.3,
                   "kilnImagesPerSecond": 9000, "fractionOfPeak": 0.1, "convolutionPeak": 2.2e11}]}""");

        String table = BenchResults.compare(recorded, now);

        assertThat(table).contains("recorded 2026-12-03T09:00:00Z");
        assertThat(table).containsPattern("train mlp vs PyTorch .* \\+120\\.0%  BETTER");
        assertThat(table).containsPattern("train mlp img/s .* BETTER");
        assertThat(table).containsPattern("platform vs in-process .* within the noise");
        assertThat(table).containsPattern("study epochs vs no pruner .* within the noise");
        assertThat(table).containsPattern("train lenet vs PyTorch .* new");
        // A fraction of the matrix multiplies' peak (before convolutions were timed too) is another figure.
        assertThat(table).containsPattern("train mlp of the multiplies' peak .* BETTER");
        assertThat(table).containsPattern("train lenet of peak .* new");
        assertThat(table).containsPattern("predict 1 image vs in-process .* BETTER");
        assertThat(table).containsPattern("predict 32 images vs in-process .* within the noise");
        // Latency: lower is better.
        assertThat(table).containsPattern("predict p99 ms at 200 req/s .* -70\\.3%  BETTER");
        // The bare HTTP ceiling, measured since 2026-12-06: new against older records.
        assertThat(table).containsPattern("predict bare HTTP req/s .* 58,000 .* new");
        assertThat(table).containsPattern("predict 1 image of the ceiling .* 0\\.470 .* new");
        assertThat(table).contains("5 figure(s) moved beyond the noise.");
    }
}
