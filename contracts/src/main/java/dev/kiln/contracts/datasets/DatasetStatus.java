package dev.kiln.contracts.datasets;

/** Where a data set version is: being validated (and packed), ready to train on, or refused with its report. */
public enum DatasetStatus {
    VALIDATING,
    READY,
    REJECTED
}
