package dev.driftless.event;

/** The outcome of building one host's toplevel. */
public sealed interface BuildResult {

    String sha();

    String host();

    record Built(String sha, String host, String drvPath, String outPath) implements BuildResult {}

    /** The toplevel does not build; final for that commit. */
    record Failed(String sha, String host, String drvPath, String error) implements BuildResult {}
}
