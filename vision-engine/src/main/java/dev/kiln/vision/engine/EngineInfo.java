package dev.kiln.vision.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deep-learning engine a process runs on, recorded with every run and shown by health checks.
 *
 * @param engine        engine name (PyTorch)
 * @param engineVersion the native library version, e.g. 2.0.1
 * @param djlVersion    the DJL version
 * @param gpuCount      CUDA devices visible to the engine; 0 with the CPU natives
 * @param defaultDevice where tensors go unless told otherwise, e.g. cpu() or gpu(0)
 * @param cacheDir      where the natives were unpacked
 */
public record EngineInfo(
        String engine, String engineVersion, String djlVersion, int gpuCount, String defaultDevice, String cacheDir) {

    /** What a checkpoint records as having written it: the kiln, DJL and PyTorch versions. */
    public Map<String, String> versions() {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("kiln", String.valueOf(EngineInfo.class.getPackage().getImplementationVersion()));
        versions.put("djl", djlVersion);
        versions.put("pytorch", engineVersion);
        return versions;
    }

    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("engine", engine);
        map.put("engineVersion", engineVersion);
        map.put("djlVersion", djlVersion);
        map.put("gpuCount", gpuCount);
        map.put("defaultDevice", defaultDevice);
        map.put("cacheDir", cacheDir);
        return map;
    }
}
