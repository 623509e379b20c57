package dev.roomcast.examples.chat;

/**
 * Payload of the chat's own {@code typing} event: the client says it is typing in {@code room}, and
 * the other members are told who.
 *
 * @param room the room the client is typing in
 */
public record Typing(String room) {
}
