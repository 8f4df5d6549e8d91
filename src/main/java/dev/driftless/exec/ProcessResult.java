package dev.driftless.exec;

import java.time.Duration;
import java.util.List;

/** What a finished (or killed) command left behind. */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut, Duration took) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** The tail of stderr that explains a failure, without terminal colour codes. */
    public String explain() {
        if (timedOut) {
            return String.join(" ", command.subList(0, Math.min(2, command.size()))) + " timed out after " + took.toSeconds() + "s";
        }
        String text = stderr.replaceAll("\u001B\\[[;\\d]*m", "").strip();
        int error = text.indexOf("error:");
        if (error >= 0) {
            text = text.substring(error);
        }
        if (text.isEmpty()) {
            text = command.get(0) + " exited with " + exitCode;
        }
        return text.length() > 4000 ? text.substring(0, 4000) + "…" : text;
    }
}
