package dev.kiln.gateway.datasets;

import dev.kiln.store.datasets.DatasetSampleRepository;

/**
 * One sample image of a READY data set version, with the URL of its PNG file.
 *
 * @param position its place among the version's samples, from 0: class by class, then by index
 * @param split    the split it comes from ({@code train})
 * @param index    its index in that split of the packed version
 * @param label    its class name
 * @param image    the URL of its PNG file
 */
public record DatasetSampleView(int position, String split, int index, String label, String image) {

    static DatasetSampleView of(String dataset, int version, DatasetSampleRepository.Entry entry) {
        return new DatasetSampleView(entry.position(), entry.split(), entry.index(), entry.label(),
                path(dataset, version, entry.position()));
    }

    static String path(String dataset, int version, int position) {
        // Data set names are letters, digits, '.', '_' and '-': nothing to escape.
        return "/api/v1/datasets/" + dataset + "/versions/" + version + "/samples/" + position + ".png";
    }
}
