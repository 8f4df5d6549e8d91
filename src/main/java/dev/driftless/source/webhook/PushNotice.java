package dev.driftless.source.webhook;

import java.util.List;

/**
 * What a provider's request says, in one shape for all providers: a push of {@code after} to
 * {@code ref} in the repository known by {@code repositoryUrls}, a ping, or something else.
 */
record PushNotice(Kind kind, String event, String deliveryId, String ref, String after, List<String> repositoryUrls) {

    enum Kind { PUSH, PING, OTHER }
}
