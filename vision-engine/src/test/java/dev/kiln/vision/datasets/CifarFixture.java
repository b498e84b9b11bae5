package dev.kiln.vision.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Writes CIFAR-10 binary batches in the official record format, with few records per batch. */
final class CifarFixture {

    static final int RECORDS = 12;
    static final String CLASS_NAMES = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

    private CifarFixture() {
    }

    /** Writes the 7 files into dir; labels cycle through 0..9, pixels are arbitrary. */
    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        int batch = 0;
        for (String name : CifarBatches.BATCH_FILES) {
            byte[] records = new byte[RECORDS * CifarBatches.RECORD_BYTES];
            for (int record = 0; record < RECORDS; record++) {
                int offset = record * CifarBatches.RECORD_BYTES;
                records[offset] = (byte) ((record + batch) % 10);
                for (int pixel = 1; pixel < CifarBatches.RECORD_BYTES; pixel++) {
                    records[offset + pixel] = (byte) (pixel * 7 + record);
                }
            }
            Files.write(dir.resolve(name), records);
            batch++;
        }
        Files.writeString(dir.resolve(CifarBatches.META_FILE), CLASS_NAMES);
        return dir;
    }

    /** Sets the label byte of one record. */
    static void setLabel(Path batch, int record, int label) throws IOException {
        byte[] records = Files.readAllBytes(batch);
        records[record * CifarBatches.RECORD_BYTES] = (byte) label;
        Files.write(batch, records);
    }

    /** Fills the red, green and blue planes of one record, each with one value. */
    static void setPlanes(Path batch, int record, int red, int green, int blue) throws IOException {
        byte[] records = Files.readAllBytes(batch);
        int plane = 32 * 32;
        int offset = record * CifarBatches.RECORD_BYTES + 1;
        Arrays.fill(records, offset, offset + plane, (byte) red);
        Arrays.fill(records, offset + plane, offset + 2 * plane, (byte) green);
        Arrays.fill(records, offset + 2 * plane, offset + 3 * plane, (byte) blue);
        Files.write(batch, records);
    }
}
