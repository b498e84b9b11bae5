package dev.kiln.vision.datasets;

import dev.kiln.imagedata.binary.IdxFile;
import dev.kiln.imagedata.images.Rasters;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Reads installed data into {@link ImageSet}s: IDX pairs, CIFAR-10 binary batches and folders of images. */
public final class ImageSets {

    /** Fashion-MNIST's class names, index = label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The ten digits "0" to "9", MNIST's class names. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** CIFAR-10's class names, as its batches.meta.txt lists them. */
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private ImageSets() {
    }

    /**
     * Reads an IDX pair in the MNIST layout: images N x height x width, labels N, each label an index
     * into classes. Gzipped or plain files are both accepted.
     *
     * @throws IOException a file is unreadable or corrupt, or the two do not match; the message names the file
     */
    public static ImageSet idx(Path images, Path labels, List<String> classes) throws IOException {
        IdxFile imageFile = IdxFile.read(images);
        IdxFile labelFile = IdxFile.read(labels);
        if (imageFile.dimensions().length != 3) {
            throw new IOException(images + ": dimensions " + imageFile.shape() + ", expected count x height x width");
        }
        if (labelFile.dimensions().length != 1) {
            throw new IOException(labels + ": dimensions " + labelFile.shape() + ", expected one label per image");
        }
        if (imageFile.count() != labelFile.count()) {
            throw new IOException(images + " holds " + imageFile.count() + " images but " + labels + " holds "
                    + labelFile.count() + " labels; the two files do not belong together");
        }
        int[] labelValues = new int[labelFile.count()];
        for (int i = 0; i < labelValues.length; i++) {
            labelValues[i] = labelFile.data()[i] & 0xff;
            if (labelValues[i] >= classes.size()) {
                throw new IOException(labels + ": label " + labelValues[i] + " at position " + i
                        + " (counting from 0), expected 0.." + (classes.size() - 1));
            }
        }
        // The IDX data is already N x H x W row-major: with one channel that is the ImageSet layout, no copy needed.
        return new ImageSet(classes, 1, imageFile.dimensions()[1], imageFile.dimensions()[2], imageFile.data(),
                labelValues);
    }

    /**
     * Reads CIFAR-10 binary batch files (10,000 records each) from dir, in the order given, with the class
     * names from dir/batches.meta.txt, or {@link #CIFAR10_CLASSES} when that file is absent.
     *
     * @param fileNames e.g. data_batch_1.bin .. data_batch_5.bin for the training set, test_batch.bin for the test set
     * @throws IOException a file is missing, has the wrong size or a label outside 0..9; the message names the file
     */
    public static ImageSet cifarBatches(Path dir, List<String> fileNames) throws IOException {
        return cifarBatches(dir, fileNames, CifarBatches.OFFICIAL);
    }

    /** Tests pass a format with fewer records per batch, to keep fixtures small. */
    static ImageSet cifarBatches(Path dir, List<String> fileNames, CifarBatches format) throws IOException {
        Path meta = dir.resolve(CifarBatches.META_FILE);
        List<String> classes = Files.isRegularFile(meta) ? CifarBatches.readClassNames(meta) : CIFAR10_CLASSES;
        int imageBytes = CifarBatches.RECORD_BYTES - 1;
        int count = fileNames.size() * format.recordsPerBatch();
        byte[] pixels = new byte[count * imageBytes];
        int[] labels = new int[count];
        int image = 0;
        for (String name : fileNames) {
            byte[] records = format.readBatch(dir.resolve(name));
            for (int offset = 0; offset < records.length; offset += CifarBatches.RECORD_BYTES, image++) {
                labels[image] = records[offset];
                // A record's pixels are its R, G and B planes in turn: already channel-first.
                System.arraycopy(records, offset + 1, pixels, image * imageBytes, imageBytes);
            }
        }
        return new ImageSet(classes, 3, 32, 32, pixels, labels);
    }

    /**
     * Reads a folder of PNG and JPEG images with one sub-folder per class: the sub-folders sorted by name
     * give the class names and labels. Hidden (dot) files and folders, files of other types and deeper
     * folders are ignored. Each image is converted to grey (channels 1, ITU-R 601 luma as PIL's "L" mode)
     * or RGB (channels 3) and scaled bilinearly to height x width when its size differs.
     *
     * @throws DatasetException root is not a folder, has no class folders, or a class folder has no images
     * @throws IOException      an image cannot be read or decoded; the message names the file
     */
    public static ImageSet imageFolder(Path root, int channels, int height, int width)
            throws IOException, DatasetException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), not " + channels);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, not " + height + "x" + width);
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + " is not a folder: expected a folder with one sub-folder of images"
                    + " per class");
        }
        List<Path> classFolders = list(root, Files::isDirectory);
        if (classFolders.isEmpty()) {
            throw new DatasetException(root + " has no class folders: put each class's images in a sub-folder"
                    + " named after the class");
        }
        List<String> classes = new ArrayList<>();
        List<List<Path>> files = new ArrayList<>();
        for (Path folder : classFolders) {
            List<Path> images = list(folder, ImageSets::isImageFile);
            if (images.isEmpty()) {
                throw new DatasetException("class folder " + folder + " has no PNG or JPEG images: add some or remove"
                        + " the folder");
            }
            classes.add(folder.getFileName().toString());
            files.add(images);
        }

        int imageBytes = channels * height * width;
        int count = files.stream().mapToInt(List::size).sum();
        byte[] pixels = new byte[Math.multiplyExact(count, imageBytes)];
        int[] labels = new int[count];
        int image = 0;
        for (int label = 0; label < files.size(); label++) {
            for (Path file : files.get(label)) {
                Rasters.writeChannelFirst(decode(file), channels, height, width, pixels, image * imageBytes);
                labels[image++] = label;
            }
        }
        return new ImageSet(classes, channels, height, width, pixels, labels);
    }

    /** Every image of {@code set} scaled bilinearly to height x width, as {@link #imageFolder} scales files. */
    public static ImageSet resized(ImageSet set, int height, int width) {
        int target = set.channels() * height * width;
        byte[] pixels = new byte[Math.multiplyExact(set.size(), target)];
        for (int i = 0; i < set.size(); i++) {
            Rasters.writeChannelFirst(image(set, i), set.channels(), height, width, pixels, i * target);
        }
        return new ImageSet(set.classes(), set.channels(), height, width, pixels, set.labels());
    }

    /** The set's image at {@code index} as a grey or RGB picture, to encode or to redraw. */
    public static BufferedImage image(ImageSet set, int index) {
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int offset = index * set.imageBytes();
        byte[] pixels = set.pixels();
        if (set.channels() == 1) {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, w, h, Arrays.copyOfRange(pixels, offset, offset + plane));
            return image;
        }
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (pixels[offset + i] & 0xff) << 16 | (pixels[offset + plane + i] & 0xff) << 8
                    | pixels[offset + 2 * plane + i] & 0xff;
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, w, h, rgb, 0, w);
        return image;
    }

    /** The entries of dir that pass the filter and are not hidden, sorted by name so that labels are stable. */
    private static List<Path> list(Path dir, Predicate<Path> filter) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(entry -> !entry.getFileName().toString().startsWith("."))
                    .filter(filter).sorted().toList();
        }
    }

    private static boolean isImageFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(file) && IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static BufferedImage decode(Path file) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot decode the image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new IOException(file + ": not an image ImageIO can decode (PNG or JPEG expected)");
        }
        return image;
    }
}
