package dev.driftless.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource whose callers prove themselves with a signature over each request, as push
 * webhooks do; {@link TokenFilter} asks them for no bearer token. Marked on the class rather
 * than matched by path, so that no spelling of a URL can reach another resource past the filter.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SignedRequests {}
