package dev.kiln.vision.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Turns the device setting ({@code auto}, {@code cpu} or {@code gpu:N}) into the device a run uses. */
public final class Devices {

    private Devices() {
    }

    /** @throws IllegalArgumentException for a malformed setting or a GPU this machine does not have */
    public static Device resolve(String setting) {
        DjlRuntime.start();
        Engine engine = Engine.getEngine(DjlRuntime.ENGINE);
        String value = setting == null ? "auto" : setting.trim().toLowerCase();
        if (value.equals("auto")) {
            return engine.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (value.equals("cpu")) {
            return Device.cpu();
        }
        if (value.matches("gpu:\\d+")) {
            int index = Integer.parseInt(value.substring(4));
            if (index >= engine.getGpuCount()) {
                throw new IllegalArgumentException("device " + value + " asked for, but this machine has "
                        + engine.getGpuCount() + " GPU(s) visible to " + DjlRuntime.ENGINE + " (a CPU-only native"
                        + " library sees none: build with -Pcuda)");
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("device must be auto, cpu or gpu:N, got '" + setting + "'");
    }

    /** The short form recorded with a run: "cpu" or "gpu:N". */
    public static String name(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }
}
