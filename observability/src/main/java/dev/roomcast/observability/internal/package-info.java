/**
 * Implementation details of observability: how label values are kept to a bounded set. Nothing here
 * is API.
 */
package dev.roomcast.observability.internal;
