// Test fixture for docs-site/src/lib/snippet.mjs and src/components/Snippet.astro.
// It is not compiled; it only has to look like the Java files the docs quote.
package dev.roomcast.docs.fixture;

public final class SnippetFixture {

    public static void main(String[] args) {
        // snippet:chat-main
        var config = RoomcastConfig.builder()
                .path("/ws")
                .build();

        System.out.println("Roomcast chat listening on ws://127.0.0.1:8080/ws");
        // end-snippet
    }

    static void routes(Router router) {
        // snippet:chat-router
        router.on("move", Move.class, (connection, move) -> {
            // handle the move
        });
        // end-snippet
    }

    // snippet:chat
    static final String PREFIX_ONLY = "region 'chat' must not match 'chat-main'";
    // end-snippet

    // snippet:unterminated
    static final String NEVER_CLOSED = "";
}
