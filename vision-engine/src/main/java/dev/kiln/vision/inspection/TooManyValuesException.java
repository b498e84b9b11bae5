package dev.kiln.vision.inspection;

/** Feature maps that would hold more values than one answer may: fewer channels a layer fit. */
public final class TooManyValuesException extends RuntimeException {

    private final int channelsThatFit;

    public TooManyValuesException(String message, int channelsThatFit) {
        super(message);
        this.channelsThatFit = channelsThatFit;
    }

    /** The most channels a layer that would fit; 0 when not even one does. */
    public int channelsThatFit() {
        return channelsThatFit;
    }
}
