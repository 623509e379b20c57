package dev.roomcast.transport.undertow.conformance;

import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_BINARY;
import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_CLOSE;
import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_CONTINUATION;
import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_PING;
import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_PONG;
import static dev.roomcast.transport.undertow.testing.RawWebSocket.OP_TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 6455 conformance of the real server, over raw sockets, one nested class per category of the
 * Autobahn test suite (framing, pings and pongs, reserved bits, opcodes, fragmentation, UTF-8
 * handling, close handling, limits). Autobahn echoes what it is sent; Roomcast speaks JSON envelopes,
 * so "handled" here means a {@code ping} envelope is answered with a {@code pong} event carrying its
 * id, and anything that must fail the connection must bring the exact close code and then the end of
 * the TCP connection within {@link #TCP_CLOSE_WITHIN}. The summary table on the docs page
 * {@code reference/conformance.md} lists these cases; keep the two in step.
 */
@Timeout(20)
class ConformanceIT {
    /** Message limit of the suite's server: the largest frame of {@link Framing} is exactly this. */
    static final int MAX_MESSAGE_BYTES = 65_536;
    /**
     * How soon after the close frames are exchanged the server must have ended the TCP connection;
     * well below the 3 s the server gives a client to answer its close, so a server that only waited
     * for that grace period fails.
     */
    static final Duration TCP_CLOSE_WITHIN = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    /** The connection under test; each test opens its own. */
    RawWebSocket ws;

    @BeforeAll
    static void startServer() {
        // One server for the whole suite keeps it fast; every case uses a fresh connection, and the
        // inbound rate allows the bursts of the largest cases.
        server = TestServer.start(RoomcastConfig.builder()
                .maxMessageBytes(MAX_MESSAGE_BYTES)
                .presenceEnabled(false)
                .inboundRatePerSecond(1_000).inboundBurst(1_000)
                .workerCount(2).jobQueueSize(64)
                .build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() throws IOException {
        ws = RawWebSocket.connect(server.port(), "/ws", "alice");
    }

    @AfterEach
    void disconnect() throws IOException {
        ws.close();
    }

    // ---- 1. Framing ---------------------------------------------------------------------------------

    /** Autobahn 1.x (text and binary messages of each length encoding) and the frame header itself. */
    @Nested
    class Framing {
        @ParameterizedTest(name = "{0} bytes")
        @ValueSource(ints = {64, 125, 126, 127, 65_535, 65_536})
        @DisplayName("a text message of each payload length encoding (7-bit, 16-bit, 64-bit) is handled")
        void aTextMessageOfEachLengthEncodingIsHandled(int length) throws IOException {
            ws.sendText(pingOfExactly(length, "len-" + length));

            assertPong(ws, "len-" + length);
        }

        @ParameterizedTest(name = "{0} bytes")
        @ValueSource(ints = {0, 125, 126, 65_535, 65_536})
        void aBinaryMessageOfAnyLengthIsClosedWith1003(int length) throws IOException {
            ws.sendFrame(OP_BINARY, true, new byte[length]);

            assertFailsWith(ws, 1003);
        }

        @Test
        void anEmptyTextMessageGetsAMalformedMessageErrorAndTheConnectionStaysOpen() throws IOException {
            ws.sendText("");

            assertError(ws, "MALFORMED_MESSAGE");
            assertStillOpen(ws);
        }

        @Test
        void textThatIsNotJsonGetsAMalformedMessageErrorAndTheConnectionStaysOpen() throws IOException {
            ws.sendText("hello?");

            assertError(ws, "MALFORMED_MESSAGE");
            assertStillOpen(ws);
        }

        @Test
        void twoFramesInOneWriteAreBothHandled() throws IOException {
            ws.sendBytes(concat(textFrame(pingOfExactly(64, "first")), textFrame(pingOfExactly(200, "second"))));

            assertPong(ws, "first");
            assertPong(ws, "second");
        }

        @Test
        void aFrameArrivingOneByteAtATimeIsHandled() throws IOException {
            sendOneByteAtATime(ws, textFrame(pingOfExactly(300, "trickled"))); // 16-bit length: a 4-byte header

            assertPong(ws, "trickled");
        }

        @Test
        void aFrameWhose64BitLengthHeaderArrivesOneByteAtATimeIsHandled() throws IOException {
            byte[] frame = textFrame(pingOfExactly(MAX_MESSAGE_BYTES, "trickled-64")); // a 14-byte header
            sendOneByteAtATime(ws, Arrays.copyOf(frame, 14));
            ws.sendBytes(Arrays.copyOfRange(frame, 14, frame.length));

            assertPong(ws, "trickled-64");
        }

        @ParameterizedTest(name = "opcode {0}")
        @ValueSource(ints = {OP_TEXT, OP_BINARY, OP_PING, OP_PONG, OP_CLOSE})
        void anUnmaskedClientFrameIsClosedWith1002(int opcode) throws IOException {
            byte[] payload = opcode == OP_CLOSE ? closePayload(1000, "") : utf8(pingOfExactly(64, "unmasked"));
            ws.sendFrame(opcode, true, 0, false, payload);

            assertFailsWith(ws, 1002);
        }

        @Test
        void anUnmaskedContinuationFrameIsClosedWith1002() throws IOException {
            byte[] message = utf8(pingOfExactly(64, "unmasked-cont"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 10));
            ws.sendFrame(OP_CONTINUATION, true, 0, false, Arrays.copyOfRange(message, 10, message.length));

            assertFailsWith(ws, 1002);
        }

        @Test
        void anUnmaskedPingArrivingOneByteAtATimeIsClosedWith1002() throws IOException {
            // the mask bit then arrives alone, in a read of its own; no payload, so nothing is left to
            // write once the server has failed the connection
            sendOneByteAtATime(ws, RawWebSocket.frame(OP_PING, true, 0, false, new byte[0]));

            assertFailsWith(ws, 1002);
        }

        @Test
        void aMaskedPingAfterAnUnmaskedPongStillFailsTheConnection() throws IOException {
            // both in one write: the server must not take the second frame for the first's fault
            ws.sendBytes(concat(RawWebSocket.frame(OP_PONG, true, 0, false, new byte[0]),
                    RawWebSocket.frame(OP_PING, true, 0, true, utf8("after"))));

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "length 0x{0}")
        @ValueSource(strings = {"8000000000000000", "8000000000000005", "ffffffffffffffff"})
        void a64BitLengthWithTheMostSignificantBitSetIsClosedWith1002(String hexLength) throws IOException {
            ws.sendFrameStart(OP_TEXT, HexFormat.fromHexDigitsToLong(hexLength), utf8("{\"type\""));

            assertFailsWith(ws, 1002);
        }

        @Test
        void a64BitLengthWithTheMostSignificantBitSetIsRefusedAsSoonAsItsFirstByteArrives() throws IOException {
            // three bytes, one at a time: the rest of the length and the mask never come
            sendOneByteAtATime(ws, new byte[] {(byte) (0x80 | OP_BINARY), (byte) (0x80 | 127), (byte) 0x80});

            assertFailsWith(ws, 1002);
        }
    }

    // ---- 2. Pings and pongs -----------------------------------------------------------------------

    /** Autobahn 2.x: control frames carry at most 125 bytes, are never fragmented, and pings are answered. */
    @Nested
    class PingsAndPongs {
        @Test
        void aPingWithoutPayloadIsAnsweredWithAnEmptyPong() throws IOException {
            ws.sendFrame(OP_PING, true, new byte[0]);

            assertControlFrame(ws, OP_PONG, new byte[0]);
        }

        @Test
        void aPingWith125BytesOfBinaryPayloadIsAnsweredWithTheSamePayload() throws IOException {
            byte[] payload = new byte[125];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (0xff - i); // not UTF-8: a ping's payload is opaque
            }
            ws.sendFrame(OP_PING, true, payload);

            assertControlFrame(ws, OP_PONG, payload);
        }

        @Test
        void aPingWith126BytesOfPayloadIsClosedWith1002() throws IOException {
            ws.sendFrame(OP_PING, true, new byte[126]);

            assertFailsWith(ws, 1002);
        }

        @Test
        void aFragmentedPingIsClosedWith1002() throws IOException {
            ws.sendFrame(OP_PING, false, utf8("frag"));
            ws.sendFrame(OP_CONTINUATION, true, utf8("ment"));

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "{0} bytes")
        @ValueSource(ints = {0, 125})
        void anUnsolicitedPongIsIgnored(int length) throws IOException {
            ws.sendFrame(OP_PONG, true, new byte[length]);

            assertStillOpen(ws);
        }

        @Test
        void tenPingsInARowAreAnsweredInOrderWithTheirPayloads() throws IOException {
            for (int i = 0; i < 10; i++) {
                ws.sendFrame(OP_PING, true, utf8("ping-" + i));
            }

            for (int i = 0; i < 10; i++) {
                assertControlFrame(ws, OP_PONG, utf8("ping-" + i));
            }
        }
    }

    // ---- 3. Reserved bits -------------------------------------------------------------------------

    /** Autobahn 3.x: no extension is negotiated, so any RSV bit fails the connection. */
    @Nested
    class ReservedBits {
        @ParameterizedTest(name = "RSV bits {0}")
        @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
        void aTextFrameWithReservedBitsSetIsClosedWith1002(int rsv) throws IOException {
            ws.sendFrame(OP_TEXT, true, rsv, true, utf8(pingOfExactly(64, "rsv")));

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "opcode {0}")
        @ValueSource(ints = {OP_BINARY, OP_PING, OP_PONG, OP_CLOSE})
        void anyOtherFrameWithRsv1SetIsClosedWith1002(int opcode) throws IOException {
            byte[] payload = opcode == OP_CLOSE ? closePayload(1000, "") : new byte[4];
            ws.sendFrame(opcode, true, 4, true, payload);

            assertFailsWith(ws, 1002);
        }

        @Test
        void aContinuationFrameWithRsv2SetIsClosedWith1002() throws IOException {
            byte[] message = utf8(pingOfExactly(64, "rsv-continuation"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 10));
            ws.sendFrame(OP_CONTINUATION, true, 2, true, Arrays.copyOfRange(message, 10, message.length));

            assertFailsWith(ws, 1002);
        }
    }

    // ---- 4. Opcodes -------------------------------------------------------------------------------

    /** Autobahn 4.x: reserved opcodes fail the connection, with or without payload. */
    @Nested
    class Opcodes {
        @ParameterizedTest(name = "opcode {0}")
        @ValueSource(ints = {3, 4, 5, 6, 7})
        void aReservedDataOpcodeIsClosedWith1002(int opcode) throws IOException {
            ws.sendFrame(opcode, true, utf8("reserved"));

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "opcode {0}")
        @ValueSource(ints = {0xB, 0xC, 0xD, 0xE, 0xF})
        void aReservedControlOpcodeIsClosedWith1002(int opcode) throws IOException {
            ws.sendFrame(opcode, true, utf8("reserved"));

            assertFailsWith(ws, 1002);
        }

        @Test
        void aReservedOpcodeWithoutPayloadIsClosedWith1002() throws IOException {
            ws.sendFrame(5, true, new byte[0]);

            assertFailsWith(ws, 1002);
        }
    }

    // ---- 5. Fragmentation -------------------------------------------------------------------------

    /** Autobahn 5.x: a fragmented message is one message; control frames may come between its fragments. */
    @Nested
    class Fragmentation {
        @Test
        void aTextMessageInTwoFragmentsIsOneMessage() throws IOException {
            byte[] message = utf8(pingOfExactly(64, "two"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 30));
            ws.sendFrame(OP_CONTINUATION, true, Arrays.copyOfRange(message, 30, message.length));

            assertPong(ws, "two");
        }

        @Test
        void aTextMessageInOneFragmentPerByteIsOneMessage() throws IOException {
            sendOneFragmentPerByte(ws, utf8(pingOfExactly(64, "per-byte")));

            assertPong(ws, "per-byte");
        }

        @Test
        void emptyFragmentsAreAllowed() throws IOException {
            ws.sendFrame(OP_TEXT, false, new byte[0]);
            ws.sendFrame(OP_CONTINUATION, false, utf8(pingOfExactly(64, "empties")));
            ws.sendFrame(OP_CONTINUATION, true, new byte[0]);

            assertPong(ws, "empties");
        }

        @Test
        void pingsBetweenFragmentsAreAnsweredAtOnceAndTheMessageAfterwards() throws IOException {
            byte[] message = utf8(pingOfExactly(64, "interleaved"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 20));
            ws.sendFrame(OP_PING, true, utf8("a"));
            ws.sendFrame(OP_CONTINUATION, false, Arrays.copyOfRange(message, 20, 40));
            ws.sendFrame(OP_PING, true, utf8("b"));
            ws.sendFrame(OP_CONTINUATION, true, Arrays.copyOfRange(message, 40, message.length));

            assertControlFrame(ws, OP_PONG, utf8("a"));
            assertControlFrame(ws, OP_PONG, utf8("b"));
            assertPong(ws, "interleaved");
        }

        @Test
        void unsolicitedPongsBetweenFragmentsAreIgnored() throws IOException {
            byte[] message = utf8(pingOfExactly(64, "pongs-between"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 20));
            ws.sendFrame(OP_PONG, true, utf8("x"));
            ws.sendFrame(OP_CONTINUATION, true, Arrays.copyOfRange(message, 20, message.length));

            assertPong(ws, "pongs-between");
        }

        @ParameterizedTest(name = "fin {0}")
        @ValueSource(booleans = {true, false})
        void aContinuationWithoutAStartIsClosedWith1002(boolean fin) throws IOException {
            ws.sendFrame(OP_CONTINUATION, fin, utf8(pingOfExactly(64, "orphan")));

            assertFailsWith(ws, 1002);
        }

        @Test
        void aContinuationAfterACompleteMessageIsClosedWith1002() throws IOException {
            ws.sendText(pingOfExactly(64, "complete"));
            assertPong(ws, "complete");
            ws.sendFrame(OP_CONTINUATION, true, utf8("late"));

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "opcode {0}")
        @ValueSource(ints = {OP_TEXT, OP_BINARY})
        void aNewDataFrameDuringAFragmentedMessageIsClosedWith1002(int opcode) throws IOException {
            byte[] message = utf8(pingOfExactly(64, "started"));
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, 20));
            ws.sendFrame(opcode, true, utf8(pingOfExactly(64, "intruder")));

            assertFailsWith(ws, 1002);
        }
    }

    // ---- 6. UTF-8 handling ------------------------------------------------------------------------

    /** Autobahn 6.x: text must be valid UTF-8 as a whole message, checked as it arrives. */
    @Nested
    class Utf8Handling {
        /** Two-, three- and four-byte characters: Greek, CJK, a musical symbol outside the BMP. */
        private static final String MULTI_BYTE = "κόσμε-日本-\uD834\uDD1E";

        @Test
        void multiByteCharactersAreHandledAndEchoedUnchanged() throws IOException {
            ws.sendText(pingWithId(MULTI_BYTE));

            assertPong(ws, MULTI_BYTE);
        }

        @Test
        void multiByteCharactersSplitInsideACharacterAcrossFragmentsAreValid() throws IOException {
            sendOneFragmentPerByte(ws, utf8(pingWithId(MULTI_BYTE))); // every multi-byte character is split

            assertPong(ws, MULTI_BYTE);
        }

        @ParameterizedTest(name = "bytes {0}")
        @ValueSource(strings = {"c0af", "eda080", "f4908080", "80", "fe", "ff", "ce"})
        @DisplayName("invalid UTF-8 (overlong, surrogate, above U+10FFFF, lone continuation, FE, FF, lead byte without continuation) is closed with 1007")
        void invalidUtf8IsClosedWith1007(String hex) throws IOException {
            ws.sendFrame(OP_TEXT, true, withInvalidId(HexFormat.of().parseHex(hex)));

            assertFailsWith(ws, 1007);
        }

        @Test
        void invalidUtf8SplitAcrossFragmentsIsClosedWith1007() throws IOException {
            byte[] message = withInvalidId(HexFormat.of().parseHex("eda080"));
            int split = indexOf(message, (byte) 0xed) + 1; // the surrogate's lead byte ends fragment one
            ws.sendFrame(OP_TEXT, false, Arrays.copyOfRange(message, 0, split));
            ws.sendFrame(OP_CONTINUATION, true, Arrays.copyOfRange(message, split, message.length));

            assertFailsWith(ws, 1007);
        }

        @Test
        void invalidUtf8InTheFirstFragmentFailsBeforeTheMessageEnds() throws IOException {
            ws.sendFrame(OP_TEXT, false, concat(utf8("{\"type\":\"ping\",\"id\":\""), HexFormat.of().parseHex("c0af")));
            // no continuation ever comes: the server must fail on what it has

            assertFailsWith(ws, 1007);
        }

        @Test
        void aMessageEndingInsideAMultiByteCharacterIsClosedWith1007() throws IOException {
            byte[] euro = utf8("€"); // three bytes; the message ends after two of them
            ws.sendFrame(OP_TEXT, false, utf8(pingWithId("cut")));
            ws.sendFrame(OP_CONTINUATION, true, Arrays.copyOf(euro, 2));

            assertFailsWith(ws, 1007);
        }
    }

    // ---- 7. Close handling ------------------------------------------------------------------------

    /** Autobahn 7.x: the close handshake, close codes and reasons, and what comes after a close. */
    @Nested
    class CloseHandling {
        @Test
        void aCloseWithoutPayloadIsAnsweredWith1000AndTheConnectionEnds() throws IOException {
            ws.sendFrame(OP_CLOSE, true, new byte[0]);

            assertClosedWith(ws, 1000, "");
        }

        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
        void aCloseWithAValidCodeIsEchoedAndTheConnectionEnds(int code) throws IOException {
            ws.sendClose(code);

            assertClosedWith(ws, code, "");
        }

        @Test
        void aCloseReasonIsEchoedWithTheCode() throws IOException {
            ws.sendFrame(OP_CLOSE, true, closePayload(4001, "bye, κόσμε"));

            assertClosedWith(ws, 4001, "bye, κόσμε");
        }

        @Test
        void aCloseWithTheLargestControlPayloadIsEchoed() throws IOException {
            String reason = "r".repeat(123); // 2 bytes of code + 123 = 125
            ws.sendFrame(OP_CLOSE, true, closePayload(1000, reason));

            assertClosedWith(ws, 1000, reason);
        }

        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65_535})
        @DisplayName("a close with a code that is reserved, never sent on the wire, unassigned or above 4999 is closed with 1002")
        void aCloseWithAnInvalidCodeIsClosedWith1002(int code) throws IOException {
            ws.sendClose(code);

            assertFailsWith(ws, 1002);
        }

        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {1012, 1013, 1014})
        @DisplayName("the IANA-registered codes 1012-1014 (Service Restart, Try Again Later, Bad Gateway) are echoed and the connection ends")
        void theIanaRegisteredCodes1012To1014AreEchoedAndTheConnectionEnds(int code) throws IOException {
            ws.sendClose(code);

            assertClosedWith(ws, code, "");
        }

        @Test
        void aCloseWith1013AndAReasonIsEchoedWithBoth() throws IOException {
            ws.sendFrame(OP_CLOSE, true, closePayload(1013, "try again later, κόσμε"));

            assertClosedWith(ws, 1013, "try again later, κόσμε");
        }

        @Test
        void aCloseWith1014AndTheLargestControlPayloadIsEchoed() throws IOException {
            String reason = "g".repeat(123);
            ws.sendFrame(OP_CLOSE, true, closePayload(1014, reason));

            assertClosedWith(ws, 1014, reason);
        }

        @Test
        void aCloseWith1012ArrivingOneByteAtATimeIsEchoed() throws IOException {
            // header, masking key, code and reason each split across reads
            sendOneByteAtATime(ws, RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(1012, "restart")));

            assertClosedWith(ws, 1012, "restart");
        }

        @Test
        void aCloseWith1012AfterATextMessageInTheSameWriteIsEchoed() throws IOException {
            ws.sendBytes(concat(textFrame(pingOfExactly(200, "before-close")),
                    RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(1012, ""))));

            // The ping's pong comes from the connection's reader thread, the close echo from the I/O
            // thread, so the pong may leave first or not at all: once Undertow has read the peer's
            // close it refuses every data frame (WebSocketChannel.send), so a reply made later cannot
            // be sent, even with the echo held back. What must hold: nothing but that pong before the
            // close, and the close echoed.
            RawWebSocket.Frame first = ws.readFrame();
            if (first.opcode() == OP_TEXT) {
                JsonNode event = JSON.readTree(first.text());
                assertThat(event.path("type").asText()).as(first.text()).isEqualTo("pong");
                assertThat(event.path("id").asText()).isEqualTo("before-close");
                first = ws.readFrame();
            }
            assertThat(first.opcode()).as("a close frame, not %s", first.text()).isEqualTo(OP_CLOSE);
            assertThat(first.closeCode()).isEqualTo(1012);
            assertThat(first.closeReason()).isEmpty();
            assertTcpClosedSoon(ws);
        }

        @Test
        void aCloseWith1013WhoseReasonIsNotUtf8IsClosedWith1007() throws IOException {
            ws.sendFrame(OP_CLOSE, true, concat(closePayload(1013, "bad-"), HexFormat.of().parseHex("eda080")));

            assertFailsWith(ws, 1007);
        }

        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {1015, 1016, 2999, 5000})
        void anInvalidCodeArrivingOneByteAtATimeIsClosedWith1002(int code) throws IOException {
            sendOneByteAtATime(ws, RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(code, "")));

            assertFailsWith(ws, 1002);
        }

        @Test
        void aCloseWithAOneBytePayloadIsClosedWith1002() throws IOException {
            ws.sendFrame(OP_CLOSE, true, new byte[] {0x03});

            assertFailsWith(ws, 1002);
        }

        @Test
        void aCloseWith126BytesOfPayloadIsClosedWith1002() throws IOException {
            ws.sendFrame(OP_CLOSE, true, closePayload(1000, "r".repeat(124)));

            assertFailsWith(ws, 1002);
        }

        @Test
        void aCloseWhoseReasonIsNotUtf8IsClosedWith1007() throws IOException {
            ws.sendFrame(OP_CLOSE, true, concat(closePayload(1000, "bad-"), HexFormat.of().parseHex("eda080")));

            assertFailsWith(ws, 1007);
        }

        @Test
        void aFragmentedCloseIsClosedWith1002() throws IOException {
            ws.sendFrame(OP_CLOSE, false, closePayload(1000, ""));

            assertFailsWith(ws, 1002);
        }

        @Test
        void framesAfterTheClientsCloseAreIgnored() throws IOException {
            // the close and what follows in one write, so the server reads them together
            ws.sendBytes(concat(RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(1000, "")),
                    textFrame(pingOfExactly(64, "after-close")),
                    RawWebSocket.frame(OP_PING, true, 0, true, utf8("after-close"))));

            assertClosedWith(ws, 1000, ""); // the close echo is the only frame: no pong of either kind
        }

        @Test
        void aSecondCloseIsIgnored() throws IOException {
            ws.sendBytes(concat(RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(1000, "")),
                    RawWebSocket.frame(OP_CLOSE, true, 0, true, closePayload(1001, ""))));

            assertClosedWith(ws, 1000, "");
        }
    }

    // ---- 8. Limits --------------------------------------------------------------------------------

    /** Autobahn 9.x's large messages, against {@code maxMessageBytes} ({@value #MAX_MESSAGE_BYTES} here): at the limit and one over. */
    @Nested
    class Limits {
        @Test
        void aMessageOfExactlyMaxMessageBytesInFragmentsIsHandled() throws IOException {
            sendInFragments(ws, utf8(pingOfExactly(MAX_MESSAGE_BYTES, "at-limit")), 4_000);

            assertPong(ws, "at-limit");
        }

        @Test
        void aFrameOneByteOverMaxMessageBytesIsClosedWith1009() throws IOException {
            ws.sendText(pingOfExactly(MAX_MESSAGE_BYTES + 1, "over"));

            assertFailsWith(ws, 1009);
        }

        @Test
        void fragmentsTogetherOneByteOverMaxMessageBytesAreClosedWith1009() throws IOException {
            sendInFragments(ws, utf8(pingOfExactly(MAX_MESSAGE_BYTES + 1, "over-fragmented")), 4_000);

            assertFailsWith(ws, 1009);
        }

        @Test
        void aFrameAnnouncingMoreThanMaxMessageBytesIsClosedWith1009BeforeItIsComplete() throws IOException {
            ws.sendFrameStart(OP_TEXT, 1L << 32, new byte[MAX_MESSAGE_BYTES + 1]); // 4 GiB announced, 64 KiB sent

            assertFailsWith(ws, 1009);
        }
    }

    // ---- what every case observes -----------------------------------------------------------------

    /** The next frame is a {@code pong} event answering the {@code ping} envelope with {@code id}. */
    static void assertPong(RawWebSocket ws, String id) throws IOException {
        RawWebSocket.Frame frame = ws.readFrame();
        assertThat(frame.opcode()).as("opcode of the answer").isEqualTo(OP_TEXT);
        JsonNode event = JSON.readTree(frame.text());
        assertThat(event.path("type").asText()).as(frame.text()).isEqualTo("pong");
        assertThat(event.path("id").asText()).isEqualTo(id);
    }

    /** The next frame is an {@code error} event with {@code code}. */
    static void assertError(RawWebSocket ws, String code) throws IOException {
        RawWebSocket.Frame frame = ws.readFrame();
        assertThat(frame.opcode()).as("opcode of the answer").isEqualTo(OP_TEXT);
        JsonNode event = JSON.readTree(frame.text());
        assertThat(event.path("type").asText()).as(frame.text()).isEqualTo("error");
        assertThat(event.path("payload").path("code").asText()).isEqualTo(code);
    }

    /** The connection still answers: a {@code ping} envelope gets its {@code pong}. */
    static void assertStillOpen(RawWebSocket ws) throws IOException {
        ws.sendText(pingOfExactly(64, "still-open"));
        assertPong(ws, "still-open");
    }

    /** The next frame is a control frame of {@code opcode} carrying exactly {@code payload}. */
    static void assertControlFrame(RawWebSocket ws, int opcode, byte[] payload) throws IOException {
        RawWebSocket.Frame frame = ws.readFrame();
        assertThat(frame.opcode()).isEqualTo(opcode);
        assertThat(frame.fin()).isTrue();
        assertThat(frame.payload()).isEqualTo(payload);
    }

    /**
     * The server failed the connection: its next frame is a close with {@code code}, and once the
     * client answers it (as a conforming client does), the TCP connection ends within
     * {@link #TCP_CLOSE_WITHIN}.
     */
    static void assertFailsWith(RawWebSocket ws, int code) throws IOException {
        RawWebSocket.Frame frame = ws.readFrame();
        assertThat(frame.opcode()).as("a close frame, not %s", frame.text()).isEqualTo(OP_CLOSE);
        assertThat(frame.closeCode()).as("close code; reason: %s", frame.closeReason()).isEqualTo(code);
        answerClose(ws, code);
        assertTcpClosedSoon(ws);
    }

    /** The client's close was echoed with {@code code} and {@code reason}, then the TCP connection ended. */
    static void assertClosedWith(RawWebSocket ws, int code, String reason) throws IOException {
        RawWebSocket.Frame frame = ws.readFrame();
        assertThat(frame.opcode()).as("a close frame, not %s", frame.text()).isEqualTo(OP_CLOSE);
        assertThat(frame.closeCode()).isEqualTo(code);
        assertThat(frame.closeReason()).isEqualTo(reason);
        assertTcpClosedSoon(ws);
    }

    private static void answerClose(RawWebSocket ws, int code) {
        try {
            ws.sendClose(code);
        } catch (IOException e) {
            // the server may already have ended the connection after a protocol error: nothing to answer
        }
    }

    private static void assertTcpClosedSoon(RawWebSocket ws) throws IOException {
        long start = System.nanoTime();
        assertThat(ws.awaitEof()).as("the server ends the TCP connection").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TCP_CLOSE_WITHIN);
    }

    // ---- what the cases send ----------------------------------------------------------------------

    /** A {@code ping} envelope of exactly {@code bytes} UTF-8 bytes, padded in its payload. */
    static String pingOfExactly(int bytes, String id) {
        String head = "{\"type\":\"ping\",\"id\":\"" + id + "\",\"payload\":{\"pad\":\"";
        String tail = "\"}}";
        String text = head + "a".repeat(bytes - head.length() - tail.length()) + tail;
        assertThat(utf8(text)).hasSize(bytes);
        return text;
    }

    static String pingWithId(String id) {
        return "{\"type\":\"ping\",\"id\":\"" + id + "\"}";
    }

    /** A {@code ping} envelope whose id contains {@code invalid}, bytes that are not UTF-8. */
    static byte[] withInvalidId(byte[] invalid) {
        return concat(utf8("{\"type\":\"ping\",\"id\":\"x"), invalid, utf8("x\"}"));
    }

    static byte[] textFrame(String text) {
        return RawWebSocket.frame(OP_TEXT, true, 0, true, utf8(text));
    }

    static byte[] closePayload(int code, String reason) {
        return concat(new byte[] {(byte) (code >>> 8), (byte) code}, utf8(reason));
    }

    /** Writes {@code bytes} one at a time (the socket has TCP_NODELAY), so the server's reads see them split. */
    static void sendOneByteAtATime(RawWebSocket ws, byte[] bytes) throws IOException {
        for (byte b : bytes) {
            ws.sendBytes(new byte[] {b});
        }
    }

    /** Sends {@code message} as a text message with one byte per fragment. */
    static void sendOneFragmentPerByte(RawWebSocket ws, byte[] message) throws IOException {
        sendInFragments(ws, message, 1);
    }

    /** Sends {@code message} as a text message in fragments of {@code fragmentBytes}. */
    static void sendInFragments(RawWebSocket ws, byte[] message, int fragmentBytes) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int start = 0; start < message.length; start += fragmentBytes) {
            int end = Math.min(message.length, start + fragmentBytes);
            frames.writeBytes(RawWebSocket.frame(start == 0 ? OP_TEXT : OP_CONTINUATION, end == message.length, 0, true,
                    Arrays.copyOfRange(message, start, end)));
        }
        ws.sendBytes(frames.toByteArray());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("byte " + b + " not found");
    }
}
