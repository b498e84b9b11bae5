package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.imagedata.images.Rasters;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageSetsTest {

    private static final List<String> THREE = List.of("a", "b", "c");

    @Test
    void subsetPicksImagesAndLabelsInTheGivenOrder() {
        ImageSet set = new ImageSet(THREE, 1, 1, 2, new byte[] {10, 11, 20, 21, 30, 31}, new int[] {0, 1, 2});

        ImageSet subset = set.subset(new int[] {2, 0, 2});

        assertThat(subset.pixels()).containsExactly(30, 31, 10, 11, 30, 31);
        assertThat(subset.labels()).containsExactly(2, 0, 2);
        assertThat(subset.classes()).isEqualTo(THREE);
    }

    @Test
    void resizingKeepsLabelsAndChannelsAndScalesAsAnImageStoredAtThatSize() {
        BufferedImage halves = halves(8);
        ImageSet native8 = set(3, 8, halves, halves);

        ImageSet resized = ImageSets.resized(native8, 16, 16);

        assertThat(List.of(resized.channels(), resized.height(), resized.width())).containsExactly(3, 16, 16);
        assertThat(resized.labels()).containsExactly(native8.labels());
        assertThat(resized.pixels()).isEqualTo(set(3, 16, halves, halves).pixels());
        assertThat(ImageSets.resized(set(1, 8, halves, halves), 4, 4).pixels()).hasSize(2 * 16);
    }

    @Test
    void anImageComesBackAsThePictureItWasMadeFromInGreyAndInColour() {
        BufferedImage orange = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = orange.createGraphics();
        g.setColor(new Color(200, 100, 50));
        g.fillRect(0, 0, 4, 4);
        g.dispose();

        ImageSet colour = set(3, 4, halves(4), orange);
        ImageSet grey = set(1, 4, orange, halves(4));

        assertThat(set(3, 4, ImageSets.image(colour, 0), ImageSets.image(colour, 1)).pixels())
                .isEqualTo(colour.pixels());
        assertThat(set(1, 4, ImageSets.image(grey, 0), ImageSets.image(grey, 1)).pixels()).isEqualTo(grey.pixels());
        // PIL's luma of (200, 100, 50), rounded: 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2.
        assertThat(ImageSets.image(grey, 0).getRaster().getSample(0, 0, 0)).isEqualTo(124);
    }

    /** A square picture, red on the left half and blue on the right. */
    private static BufferedImage halves(int side) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, side / 2, side);
        g.setColor(Color.BLUE);
        g.fillRect(side / 2, 0, side / 2, side);
        g.dispose();
        return image;
    }

    /** The pictures stored at side x side, labelled 0, 1, ... */
    private static ImageSet set(int channels, int side, BufferedImage... pictures) {
        int imageBytes = channels * side * side;
        byte[] pixels = new byte[pictures.length * imageBytes];
        int[] labels = new int[pictures.length];
        for (int i = 0; i < pictures.length; i++) {
            Rasters.writeChannelFirst(pictures[i], channels, side, side, pixels, i * imageBytes);
            labels[i] = i;
        }
        return new ImageSet(THREE, channels, side, side, pixels, labels);
    }
}
