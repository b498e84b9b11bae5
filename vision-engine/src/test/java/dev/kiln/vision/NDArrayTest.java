package dev.kiln.vision;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.kiln.vision.engine.DjlRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Tests that work on NDArrays: the engine started once, a fresh CPU manager per test, closed after it. */
public abstract class NDArrayTest {

    protected NDManager manager;

    @BeforeAll
    static void startEngine() {
        DjlRuntime.start();
    }

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }
}
