package dev.driftless.event;

/** Build one host's toplevel for one commit. */
public record BuildRequest(String sha, String host, String drvPath) {}
