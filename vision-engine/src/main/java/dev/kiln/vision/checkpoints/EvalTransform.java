package dev.kiln.vision.checkpoints;

import java.util.List;

/**
 * How an image becomes the model's input, recorded with the model so serving preprocesses exactly as
 * evaluation did: resize to height x width, convert to the channel count, scale bytes by 1/255, then
 * subtract mean and divide by std per channel.
 */
public record EvalTransform(int channels, int height, int width, List<Float> mean, List<Float> std) {
}
