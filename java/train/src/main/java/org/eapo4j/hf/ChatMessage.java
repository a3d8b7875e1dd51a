package org.eapo4j.hf;

/** One turn of a conversation: role "system", "user" or "assistant", and its text. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("role must not be blank");
        if (content == null) throw new IllegalArgumentException("content must not be null");
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }
}
