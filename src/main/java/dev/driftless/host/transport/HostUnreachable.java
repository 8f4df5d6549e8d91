package dev.driftless.host.transport;

/** The host could not be reached at all; retry later, nothing was changed by this attempt. */
public class HostUnreachable extends Exception {

    public HostUnreachable(String message) {
        super(message);
    }
}
