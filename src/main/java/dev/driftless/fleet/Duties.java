package dev.driftless.fleet;

import java.util.Set;

/**
 * What this process does now: whether it leads rollouts, and which hosts it reconciles.
 * Checked at the edges, where messages are consumed, runs are scheduled and API actions are
 * accepted; the host model, the decision and the reconcile loop never ask. Standalone, a
 * controller leads and owns every host for its whole life; when controllers share a fleet, the
 * controllers' group hands both out ({@link Assignments}).
 */
public interface Duties {

    /** This process follows Git and coordinates rollouts. */
    boolean leads();

    /** This process reconciles {@code host}. */
    boolean owns(String host);

    /** The hosts this process reconciles. */
    Set<String> owned();
}
