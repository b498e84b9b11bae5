package dev.kiln.imagedata.archives;

import java.util.List;

/** What a data set archive holds: a folder of images, or the binary files of IDX or CIFAR-10. */
public sealed interface ArchiveLayout permits ImageFolderLayout, BinaryLayout {

    /** The format as the report names it: {@code image-folder}, {@code idx} or {@code cifar-binary}. */
    String format();

    /** One line for logs and answers, e.g. "image-folder: 4 classes, 1,004 images". */
    String describe();

    /**
     * The layout of an archive with these file and folder paths (as {@link ArchiveEntries} gives them): IDX
     * files or CIFAR-10 batches anywhere in it make it binary, else it must be an image folder.
     *
     * @throws ArchiveRejectedException no layout fits, or the one that does is incomplete
     */
    static ArchiveLayout of(List<String> files, List<String> folders) throws ArchiveRejectedException {
        BinaryLayout binary = BinaryLayout.find(files);
        return binary != null ? binary : ImageFolderLayout.of(files, folders);
    }
}
