package dev.driftless.api;

import dev.driftless.host.Deployment;
import dev.driftless.host.HostStatus;
import java.time.Instant;

/** A host as {@code /api/v1/hosts} shows it. */
public record HostView(String name, String target, String state, boolean inSync, DesiredView desired, ActualView actual,
        Instant driftSince, String driftCause, DeploymentView lastDeployment, String message, Instant observedAt, boolean owned) {

    public record DesiredView(String commit, Instant committedAt, String path) {}

    public record ActualView(String path, int generation) {}

    public record DeploymentView(String commit, String path, String result, Integer generation, Instant startedAt,
            Instant finishedAt, String message) {}

    /** {@code owned}: this controller reconciles the host; otherwise its state is as its own controller last reported it. */
    static HostView of(HostStatus s, boolean owned) {
        return new HostView(s.name(), s.target(), s.state().label(), s.inSync(),
                s.desired() == null ? null : new DesiredView(s.desired().commit(), s.desired().committedAt(), s.desired().path()),
                s.actual() == null ? null : new ActualView(s.actual().path(), s.actual().generation()),
                s.driftSince(), s.cause() == null ? null : s.cause().label(), deployment(s.lastDeployment()), s.message(),
                s.observedAt(), owned);
    }

    private static DeploymentView deployment(Deployment d) {
        return d == null ? null : new DeploymentView(d.commit(), d.path(), d.result().label(), d.generation(), d.startedAt(),
                d.finishedAt(), d.message());
    }
}
