package dev.driftless.host.transport;

/** The host answered but a deploy step failed; the message says which step and why. */
public class StepFailed extends Exception {

    private final String detail;

    public StepFailed(String step, String detail) {
        super(step + " failed: " + detail);
        this.detail = detail;
    }

    /** Why the step failed, without the step's name: what the command said, or how it ended. */
    public String detail() {
        return detail;
    }
}
