package dev.kiln.inference.predict;

import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.serving.InferenceConfig;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.serving.ImageDecodeException;
import dev.kiln.vision.serving.ImageInputs;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The images a request sends, the way every API taking images reads them: PNG or JPEG, as the raw body or as the
 * files of a multipart form; counted, their headers checked against the request's pixel budget before any is
 * decoded, then decoded for the model's evaluation transform. A problem is a 400 naming the image.
 */
@ApplicationScoped
public class ImageUploads {

    /** An encoded image and the name it is answered under: the file name, or "body" for a raw image. */
    public record NamedImage(String name, byte[] bytes) {
    }

    /** What a multipart request body holds, for the API docs. */
    public static final String MULTIPART_IMAGES = "A multipart/form-data body: every part with a file name is an image"
            + " (PNG or JPEG), answered in the order sent under its file name; parts without one are ignored.";

    private final int maxImages;
    private final long maxPixels;

    public ImageUploads(InferenceConfig config) {
        this.maxImages = config.maxImagesPerRequest();
        this.maxPixels = config.maxPixelsPerRequest();
    }

    /** A raw image body. */
    public static List<NamedImage> body(byte[] body) {
        return List.of(new NamedImage("body", body));
    }

    /**
     * The files of a multipart form, in the order sent, parsed in memory ({@link MultipartFiles}); each is answered
     * under its file name, or its field name when the file name is empty.
     *
     * @param contentType the request's, with its boundary
     */
    public static List<NamedImage> multipart(String contentType, byte[] body) {
        try {
            return MultipartFiles.parse(contentType, body).stream()
                    .map(file -> new NamedImage(file.fileName().isEmpty() ? file.name() : file.fileName(),
                            file.bytes()))
                    .toList();
        } catch (MultipartFiles.MalformedMultipartException e) {
            throw new InvalidInputException("(body)", "not a multipart/form-data body: " + e.getMessage());
        }
    }

    /** Whether the image's header parses and claims at most {@code pixels} pixels; nothing is decoded. */
    public static boolean claimsAtMost(byte[] image, long pixels) {
        try {
            return image != null && image.length > 0 && ImageInputs.pixels(image) <= pixels;
        } catch (ImageDecodeException e) {
            return false;
        }
    }

    /** At least one image, and no more than {@code kiln.inference.max-images-per-request}. */
    public void checkCount(List<NamedImage> images) {
        if (images.isEmpty()) {
            throw new InvalidInputException("(body)", "no image: send one as the body or as files of a multipart form");
        }
        if (images.size() > maxImages) {
            throw new InvalidInputException("(body)", images.size() + " images in one request; at most " + maxImages);
        }
    }

    /** The one image of a request that looks at a single image. */
    public NamedImage single(List<NamedImage> images) {
        checkCount(images);
        if (images.size() > 1) {
            throw new InvalidInputException("(body)", images.size() + " images in one request: this operation looks at"
                    + " one image; send one as the body or as the only file of a multipart form");
        }
        return images.get(0);
    }

    /** Every image's header is read first: one that claims too much, or all together, is refused undecoded. */
    public void checkPixelBudget(List<NamedImage> images) {
        long pixels = 0;
        for (NamedImage image : images) {
            if (image.bytes() == null || image.bytes().length == 0) {
                throw new InvalidInputException(image.name(), "the image is empty");
            }
            try {
                pixels += ImageInputs.pixels(image.bytes());
            } catch (ImageDecodeException e) {
                throw new InvalidInputException(image.name(), e.getMessage());
            }
        }
        if (pixels > maxPixels) {
            throw new InvalidInputException("(body)", "the images claim " + pixels + " pixels in all; one request may"
                    + " claim at most " + maxPixels + " (kiln.inference.max-pixels-per-request): send fewer or"
                    + " smaller images");
        }
    }

    /** The model inputs of the images, one after another ({@code inputSize} floats each). */
    public static float[] decode(List<NamedImage> images, EvalTransform transform, int inputSize) {
        float[] inputs = new float[images.size() * inputSize];
        for (int i = 0; i < images.size(); i++) {
            NamedImage image = images.get(i);
            try {
                System.arraycopy(ImageInputs.fromEncoded(image.bytes(), transform), 0, inputs, i * inputSize, inputSize);
            } catch (ImageDecodeException e) {
                throw new InvalidInputException(image.name(), e.getMessage());
            }
        }
        return inputs;
    }
}
