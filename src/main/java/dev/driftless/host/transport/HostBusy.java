package dev.driftless.host.transport;

/**
 * A deploy step from an earlier attempt may still run on the host: one outlived the
 * controller's timeout, or holds the host's deploy lock. Not a verdict on any generation, and
 * not an outage: wait, then observe what that step left.
 */
public class HostBusy extends HostUnreachable {

    public HostBusy(String message) {
        super(message);
    }
}
