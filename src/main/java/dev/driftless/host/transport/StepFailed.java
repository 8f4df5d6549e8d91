package dev.driftless.host.transport;

/** The host answered but a deploy step failed; the message says which step and why. */
public class StepFailed extends Exception {

    public StepFailed(String step, String detail) {
        super(step + " failed: " + detail);
    }
}
