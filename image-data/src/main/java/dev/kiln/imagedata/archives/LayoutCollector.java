package dev.kiln.imagedata.archives;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Collects the paths {@link ArchiveEntries} reads, folders included, then tells the archive's {@link ArchiveLayout}. */
public final class LayoutCollector implements ArchiveEntries.Visitor {

    private final List<String> files = new ArrayList<>();
    private final Set<String> folders = new TreeSet<>();

    @Override
    public void folder(String path) {
        folders.add(path);
    }

    @Override
    public void file(String path, InputStream content) {
        files.add(path);
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            folders.add(path.substring(0, slash));
        }
    }

    public ArchiveLayout layout() throws ArchiveRejectedException {
        return ArchiveLayout.of(files, List.copyOf(folders));
    }
}
