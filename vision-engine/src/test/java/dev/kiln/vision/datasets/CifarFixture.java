package dev.kiln.vision.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
